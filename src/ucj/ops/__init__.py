"""Operating the pipeline: alerts, run history and the status report (``ucj status``)."""
