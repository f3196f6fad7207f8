#!/bin/sh
# Starts the Omni service named by $SERVICE, or explains why it cannot. `exec` makes node the
# process that receives SIGTERM, so the service's graceful shutdown runs.
set -eu

# The image keeps this script in /app/deploy/docker; resolving from here also works outside it.
app_dir=$(cd "$(dirname "$0")/../.." && pwd)
services_dir="$app_dir/services"

known() {
  for main in "$services_dir"/*/dist/main.js; do
    [ -f "$main" ] || continue
    service_dir=${main%/dist/main.js}
    printf ' %s' "${service_dir##*/}"
  done
}

if [ -z "${SERVICE:-}" ]; then
  echo "entrypoint: SERVICE is empty; set it to one of:$(known)" >&2
  exit 64
fi

case "$SERVICE" in
  */* | .*) echo "entrypoint: SERVICE '$SERVICE' is not a service name; use one of:$(known)" >&2; exit 64 ;;
esac

main="$services_dir/$SERVICE/dist/main.js"
if [ ! -f "$main" ]; then
  echo "entrypoint: unknown SERVICE '$SERVICE' (no $main); use one of:$(known)" >&2
  exit 64
fi

exec node "$main" "$@"
