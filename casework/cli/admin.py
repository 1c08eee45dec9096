"""``casework org`` and ``casework user``: the org tree and the users, for a production start
(the first administrator) and for administrators without the API. Passwords come from a prompt
or standard input, never from an argument."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from casework.cli.commands import CommandError, ready_runtime
from casework.core.vocab import MAX_PASSWORD
from casework.people.access import SYSTEM_ACTOR
from casework.people.queries import (
    all_org_units,
    all_users,
    root_units,
    unit_by_code,
    user_by_username,
)
from casework.people.service import create_org_unit, create_user, update_user
from casework.runtime import Runtime


def read_password(what: str = "Password") -> str:
    """A password from the terminal (asked twice, the two must match) or, when standard input is
    not a terminal, its first line. Never an argument: argv is visible to every user of the
    machine and stays in shell histories."""
    stdin = sys.stdin
    if stdin is not None and stdin.isatty():
        try:
            first = getpass.getpass(f"{what}: ")
            second = getpass.getpass(f"{what} (again): ")
        except EOFError:
            raise CommandError("no password given") from None
        if first != second:
            raise CommandError("the two passwords differ: nothing changed")
        password = first
    else:
        password = (stdin.readline() if stdin is not None else "").rstrip("\r\n")
    if not password:
        raise CommandError(
            "no password given: type it at the prompt, or pipe it on standard input (first line)"
        )
    if len(password) > MAX_PASSWORD:
        raise CommandError(f"password: must be at most {MAX_PASSWORD} characters")
    return password


def _unit_for_admin(rt: Runtime, org_code: str | None) -> str:
    """The unit a new admin belongs to: ``--org``, else the one top-level unit."""
    if org_code:
        return org_code
    with rt.reader() as uow:
        roots = [u.code for u in root_units(uow.session)]
    if not roots:
        raise CommandError(
            "there is no org unit yet: create the top one first, e.g. "
            "`casework org create GD 广东省总工会 --level province`"
        )
    if len(roots) > 1:
        raise CommandError(f"several top-level units ({', '.join(roots)}): choose one with --org")
    return roots[0]


def cmd_org_create(args: argparse.Namespace) -> int:
    rt = ready_runtime()
    try:
        unit = create_org_unit(
            rt.uow(),
            actor=SYSTEM_ACTOR,
            code=args.code,
            name=args.name,
            level=args.level,
            parent_code=args.parent,
        )
        where = f" under {args.parent}" if args.parent else " (top level)"
        print(f"org unit {unit.code} {unit.name} created: level {unit.level}{where}")
    finally:
        rt.dispose()
    return 0


def cmd_org_list(args: argparse.Namespace) -> int:
    rt = ready_runtime()
    try:
        units = all_org_units(rt.reader())
    finally:
        rt.dispose()
    if args.json:
        json.dump(units, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if not units:
        print("no org units")
    for u in units:
        print(f"{'  ' * u['depth']}{u['code']:<16} {u['level']:<10} {u['name']}")
    return 0


def cmd_user_create(args: argparse.Namespace) -> int:
    roles = set(args.role or [])
    if args.admin:
        roles.add("admin")
    if not roles:
        raise CommandError("give the user's roles with --role (repeatable), or --admin")
    if not args.admin and not args.org:
        raise CommandError("give the user's unit with --org CODE (see `casework org list`)")
    rt = ready_runtime()
    try:
        org_code = _unit_for_admin(rt, args.org) if args.admin else args.org
        with rt.reader() as uow:
            unit_by_code(uow.session, org_code)  # an unknown unit before the password prompt
        password = read_password(f"Password for {args.username}")
        user = create_user(
            rt.uow(),
            actor=SYSTEM_ACTOR,
            username=args.username,
            display_name=args.display_name or args.username,
            roles=roles,
            password=password,
            org_code=org_code,
        )
        print(
            f"user {user.username} created at {org_code} with roles {','.join(sorted(roles))}; "
            "log in with POST /api/v1/auth/token"
        )
    finally:
        rt.dispose()
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    rt = ready_runtime()
    try:
        users = all_users(rt.reader())
    finally:
        rt.dispose()
    if args.json:
        json.dump(users, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if not users:
        print("no users")
    for u in users:
        print(
            f"{u['username']:<24} {u['org_unit']['code']:<16} {','.join(u['roles']):<28} "
            f"{'active' if u['is_active'] else 'inactive':<8} {u['display_name']}"
        )
    return 0


def cmd_user_set_password(args: argparse.Namespace) -> int:
    rt = ready_runtime()
    try:
        with rt.reader() as uow:
            user_id = user_by_username(uow.session, args.username).id
        password = read_password(f"New password for {args.username}")
        update_user(rt.uow(), actor=SYSTEM_ACTOR, user_id=user_id, password=password)
        print(f"password of {args.username} changed; their tokens are revoked")
    finally:
        rt.dispose()
    return 0


def cmd_user_deactivate(args: argparse.Namespace) -> int:
    rt = ready_runtime()
    try:
        with rt.reader() as uow:
            user = user_by_username(uow.session, args.username)
            user_id, was_active = user.id, user.is_active
        if not was_active:
            print(f"{args.username} is already inactive")
            return 0
        update_user(rt.uow(), actor=SYSTEM_ACTOR, user_id=user_id, is_active=False)
        print(f"{args.username} deactivated: they can no longer log in; their tokens are revoked")
    finally:
        rt.dispose()
    return 0
