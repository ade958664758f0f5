"""`relais rotate-signing-key`: replace the key that signs checkpoints and exports (docs/adr/0014).

The log is sealed with the old key first; then both keys sign the succession (the old one hands over,
the new one vouches for the old), so verify-log and verify-export keep trusting what the old key signed.
"""
from __future__ import annotations

import argparse
import base64
import os
import secrets
import sys
from typing import Any

from infrastructure.checkpoints import SealRefusedError
from infrastructure.signing_key import KEY_FILE, SigningKey, SigningKeyError, raw_public, replace_key_file, seed_of
from web.cli_audit import _audit, _plain_errors, _services, _usage


def add_key_commands(commands: Any) -> None:
    rotate = commands.add_parser("rotate-signing-key", help="replace the log's signing key, keeping older signatures trusted")
    rotate.add_argument("--new-key-stdin", action="store_true",
                        help="read the new key (32-byte Ed25519 seed in base64) on standard input; required when "
                        "RELAIS_SIGNING_KEY is set, since Relais cannot change your secret store")
    rotate.set_defaults(func=_plain_errors(cmd_rotate_signing_key))


def cmd_rotate_signing_key(args: argparse.Namespace) -> int:
    from_setting = bool(os.environ.get("RELAIS_SIGNING_KEY", "").strip())
    if from_setting and not args.new_key_stdin:
        raise _usage("RELAIS_SIGNING_KEY is set: put the new seed in your secret store and give it with --new-key-stdin")
    try:
        seed = seed_of(sys.stdin.readline().strip(), "standard input") if args.new_key_stdin else secrets.token_bytes(32)
    except SigningKeyError as error:
        raise _usage(str(error)) from None
    following = SigningKey.from_seed(seed)
    services = _services()
    try:
        audit = _audit(services)
        previous = audit.key
        if following.key_id == previous.key_id:
            raise _usage("the new key is the current key")
        sealed, rotated_at = audit.rotate(following)
    except SealRefusedError as error:
        # The log failed its check: the key stays as it is, so the investigation starts from what signed the log.
        print(f"relais: {error}; the signing key was not changed", file=sys.stderr)
        return 1
    else:
        if not from_setting:
            replace_key_file(services.settings.data_dir / KEY_FILE, seed)
    finally:
        services.close()
    print(f"{sealed} checkpoint(s) sealed with {previous.key_id}; key {previous.key_id} succeeded by "
          f"{following.key_id} at {rotated_at}")
    if from_setting:
        print(f"set RELAIS_SIGNING_KEY to the new seed (public key {base64.b64encode(raw_public(following.public_key)).decode()})"
              " and restart every process: until then they sign with the old key, which stays trusted")
    else:
        print(f"{services.settings.data_dir / KEY_FILE} holds the new key; restart every process: until then they sign "
              "with the old key, which stays trusted")
    return 0
