#!/usr/bin/env bash
# Makes sure the system tools the sandbox and tests run are installed: docker-registry (the registry
# behind the sandbox), skopeo (tests and benchmarks), kubectl (tests), zsh and fish (the completion tests).
# Quiet when all are present.
# As root, missing ones are installed from Debian's packages; otherwise the command to run is printed.
set -euo pipefail

# command name → Debian package
declare -A PACKAGES=([docker-registry]=docker-registry [skopeo]=skopeo [kubectl]=kubectl [zsh]=zsh [fish]=fish)
COMMANDS=(docker-registry skopeo kubectl zsh fish)

missing=()
for cmd in "${COMMANDS[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${PACKAGES[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  echo "ensure-system-packages: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${missing[@]}" >&2
  for cmd in "${COMMANDS[@]}"; do
    if ! command -v "$cmd" >/dev/null 2>&1; then
      echo "ensure-system-packages: $cmd is still missing after installing ${missing[*]}" >&2
      exit 1
    fi
  done
  exit 0
fi

echo "ensure-system-packages: missing ${missing[*]}; install them with:" >&2
echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
exit 1
