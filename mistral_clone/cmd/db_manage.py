"""``mistral-clone-db-manage``: upgrade, downgrade, current, revision,
populate."""

import argparse
import sys

from mistral_clone import config


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="mistral-clone-db-manage")
    parser.add_argument("--config-file", action="append", default=[])
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("upgrade", help="upgrade to a revision (head)")
    up.add_argument("revision", nargs="?", default="head")
    down = sub.add_parser("downgrade", help="downgrade to a revision (base)")
    down.add_argument("revision", nargs="?", default="base")
    sub.add_parser("current", help="show the current revision")
    rev = sub.add_parser("revision", help="create a new migration")
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--autogenerate", action="store_true")
    sub.add_parser("populate", help="register the system actions")
    args = parser.parse_args(argv)

    config.parse_args([], default_config_files=args.config_file)
    from mistral_clone.db import migration
    if args.command == "upgrade":
        migration.upgrade(args.revision)
    elif args.command == "downgrade":
        migration.downgrade(args.revision)
    elif args.command == "current":
        print(migration.current() or "base")
    elif args.command == "revision":
        migration.revision(args.message, args.autogenerate)
    elif args.command == "populate":
        from mistral_clone.services import system_actions
        count = system_actions.register()
        system_actions.register_shipped_adhoc()
        print("Registered %d system actions" % count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
