"""Signing in and out, and the start page."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, session, url_for

from api.web.core import actor, bp, home_of, rt, safe_next
from api.web.forms import clean
from casework.core.errors import InvalidInput, NotAuthenticated, TooManyAttempts
from casework.people import auth as people_auth


@bp.get("/")
def root() -> Any:
    """A signed-in user goes to their desk, anyone else to the sign-in page."""
    me = actor()
    if me is None:
        return redirect(url_for("web.login"))
    return redirect(home_of(me.roles))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    target = safe_next(request.args.get("next"))
    if request.method == "GET":
        if actor() is not None:
            return redirect(target or home_of(actor().roles))
        return render_template("login.html", values={}, errors={}, message=None)
    values, errors = clean(request.form, ("username", "password"))
    status, message = 200, None
    if not errors:
        try:
            issued = people_auth.login(
                rt().uow(),
                username=values["username"],
                password=values["password"],
                client=request.remote_addr or "unknown",
            )
        except InvalidInput as exc:
            errors[exc.field] = exc.reason_zh
            status = 422
        except NotAuthenticated as exc:
            message, status = exc.message_zh, 401
        except TooManyAttempts as exc:
            message, status = exc.message_zh, 429
        else:
            session.clear()
            session.permanent = True
            session["token"] = issued.token
            session["display_name"] = issued.user.display_name
            return redirect(target or home_of(issued.user.roles))
    values.pop("password", None)  # never sent back
    return render_template("login.html", values=values, errors=errors, message=message), status


@bp.post("/logout")
def logout() -> Any:
    token = session.get("token")
    if token:
        people_auth.revoke(rt().uow(), token)
    session.clear()
    return redirect(url_for("web.login"))
