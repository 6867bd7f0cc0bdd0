#!/bin/sh
# redis-server without a config file listens on every interface but, in protected mode, refuses
# clients from other containers; the upstream image turns protected mode off. Same here.
set -e
if [ "$1" = redis-server ]; then
  shift
  set -- redis-server --protected-mode no "$@"
fi
exec "$@"
