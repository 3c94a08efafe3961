#!/bin/sh
# make-keys.sh DIR [SCANFLEET]: lays out the keys of a small deployment, once.
#   DIR/private/{controller,worker,client,subscriber}.key   secret, mode 0600
#   DIR/controller.pub                                     for workers, clients, subscribers
#   DIR/authorized/{workers,clients,subscribers}/*.pub     the controller's allowlists
# Existing keys are kept (re-running is a no-op). Add or revoke a key by
# adding or removing its .pub under authorized/ and sending the controller SIGHUP.
set -eu
DIR="$1"
SCANFLEET="${2:-scanfleet}"
umask 077
mkdir -p "$DIR/private" "$DIR/authorized/workers" "$DIR/authorized/clients" \
  "$DIR/authorized/subscribers"
for pair in controller: worker:workers client:clients subscriber:subscribers; do
  name="${pair%%:*}" role="${pair#*:}"
  if [ ! -f "$DIR/private/$name.key" ]; then
    "$SCANFLEET" keys generate "$name" --out "$DIR/private" >/dev/null
  fi
  if [ -n "$role" ]; then cp "$DIR/private/$name.pub" "$DIR/authorized/$role/$name.pub"; fi
done
cp "$DIR/private/controller.pub" "$DIR/controller.pub"
chmod 755 "$DIR" "$DIR/authorized" "$DIR/authorized"/*
chmod 644 "$DIR/controller.pub" "$DIR/authorized"/*/*.pub
echo "keys in $DIR (controller key id: $(sed -n 's/^key-id = //p' "$DIR/controller.pub"))"
