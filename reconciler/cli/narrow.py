"""``--target NAME|FILE`` and ``--resend-write-only NAME`` for plan, apply and drift (see
:mod:`reconciler.planning.targeting`; the selection itself is :func:`reconciler.usecases.common.selected`)."""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def target_option(fn: F) -> F:
    return click.option(
        "--target", "targets", multiple=True, metavar="NAME|FILE",
        help="Only the syncs with this name, or declared in this file or folder (repeatable). "
             "A narrowed run reports no unmanaged sync and refuses --prune.",
    )(fn)


def resend_option(fn: F) -> F:
    return click.option(
        "--resend-write-only", "resend", multiple=True, metavar="NAME",
        help="Send the write-only values (encryption_passphrase) of this sync again, e.g. after rotating "
             "them (repeatable; see write_only_rotated_at in `reconciler docs definitions`).",
    )(fn)
