"""``--target NAME|FILE`` for plan, apply and drift (see :mod:`reconciler.planning.targeting`)."""

from __future__ import annotations

import os
from typing import Any, Callable, TypeVar

import click

from reconciler.config import Ownership, ProjectConfig
from reconciler.definitions.interpolate import UnsetAllowed
from reconciler.planning.ownership import NARROWED
from reconciler.planning.rotation import check_names
from reconciler.planning.targeting import Selection, refuse_prune, select

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


def selected(paths: tuple[str, ...], targets: tuple[str, ...], project: ProjectConfig, *,
             prune: bool = False, resend: tuple[str, ...] = ()) -> tuple[Selection, Ownership | None]:
    """The definitions to plan, read with unset variables allowed, and the ownership to plan them with."""
    selection = select(paths, targets, project.definitions, UnsetAllowed(os.environ))
    if prune:
        refuse_prune(selection)
    check_names(selection.definitions, resend)
    return selection, NARROWED if selection.narrowed else project.owns
