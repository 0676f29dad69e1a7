"""Subscribing, confirming and unsubscribing: the reader's side of the email edition.

Every answer is the same whether or not an address is known, so nobody can
find out who subscribes. Token pages are never cached or indexed.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from . import limits
from .forms import SubscribeForm
from .models import Subscriber


# The form is in the footer of every public page, which the page cache stores
# and shares between readers: it cannot carry a CSRF token. A forged request
# gains nothing a direct one would not (no session, no cookie is used), and
# nobody is subscribed without the emailed link, so the view is exempt and
# guarded by the honeypot and the limits instead.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    """The subscribe page (GET) and the subscription request from it or any footer (POST)."""
    if request.method != "POST":
        return render(request, "newsletter/subscribe.html", {"form": SubscribeForm()})
    form = SubscribeForm(request.POST)
    if not limits.allow("client", limits.client_address(request), limits.PER_CLIENT):
        return render(request, "newsletter/subscribe.html", {"form": form, "too_many": True}, status=429)
    if not form.is_valid():
        return render(request, "newsletter/subscribe.html", {"form": form}, status=400)
    email, edition = form.cleaned_data["email"], form.cleaned_data["edition"]
    if not form.is_bot and limits.allow("address", email, limits.PER_ADDRESS):
        request_confirmation(email, edition)
    return redirect("newsletter:subscribe_sent")


def request_confirmation(email: str, edition: str) -> None:
    """Record the request and email the confirmation link once it is committed (a task)."""
    from .tasks import send_confirmation

    with transaction.atomic():
        subscriber = Subscriber.request(email, edition)
        transaction.on_commit(lambda: send_confirmation.enqueue(subscriber.pk, edition))


@require_safe
def subscribe_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "newsletter/subscribe_sent.html")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a Confirm button (mail scanners open links); only its POST confirms."""
    if request.method != "POST":
        subscriber, edition = Subscriber.check_confirmation(token)
        return render(request, "newsletter/confirm.html", {"valid": subscriber is not None, "edition": edition})
    subscriber = Subscriber.confirm(token)
    if subscriber is None:
        return render(request, "newsletter/confirm.html", {"valid": False}, status=400)
    return render(request, "newsletter/confirmed.html", {"edition": subscriber.edition})


# RFC 8058 one-click: mail providers POST "List-Unsubscribe=One-Click" here
# with no cookie and no CSRF token; the signed token is the credential.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows an Unsubscribe button; a POST (the button, or a mail provider's one-click) unsubscribes at once."""
    subscriber = Subscriber.from_unsubscribe_token(token)
    if request.method != "POST":
        return render(request, "newsletter/unsubscribe.html", {"valid": subscriber is not None})
    if subscriber is None:
        return render(request, "newsletter/unsubscribe.html", {"valid": False}, status=400)
    subscriber.unsubscribe()
    return render(request, "newsletter/unsubscribed.html")
