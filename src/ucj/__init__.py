"""ucj-warehouse: Universal Coverage Jamsostek data warehouse."""

from ucj.privacy import install_log_masking

install_log_masking()  # no full NIK in any log of the package (UU PDP 27/2022)
