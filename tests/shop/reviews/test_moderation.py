"""Review moderation keeps product ratings equal to the visible reviews; inbox and outbox reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId

from shop.core.activity import recent_activity
from shop.core.errors import NotFound
from shop.messaging.inbox import InboxQuery, OutboxQuery, get_outbox_email, list_messages, list_outbox, set_handled
from shop.messaging.mail import Email
from shop.reviews.moderation import ReviewListQuery, ReviewModeration, rating_aggregate
from shop.services import ShopServices
from tests.support.reviews import add_review

OWNER = "owner@example.com"


@pytest.fixture
def moderation(services: ShopServices) -> ReviewModeration:
    return ReviewModeration(services.db, services.catalog)


def test_hiding_and_showing_recomputes_the_rating(
    moderation: ReviewModeration, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(rating=4.0, reviewCount=3)
    pid = product["_id"]
    five = add_review(services.db, pid, 5)
    add_review(services.db, pid, 4)
    add_review(services.db, pid, 4)
    add_review(services.db, pid, 1, hidden=True)
    services.catalog.all()

    moderation.set_hidden(str(five), True, owner=OWNER)
    stored = services.db.products.find_one({"_id": pid})
    assert (stored["rating"], stored["reviewCount"]) == (4.0, 2)
    assert stored["updatedAt"] > product["updatedAt"]

    hidden_one = services.db.reviews.find_one({"rating": 1})["_id"]
    moderation.set_hidden(str(hidden_one), False, owner=OWNER)
    moderation.set_hidden(str(five), False, owner=OWNER)
    stored = services.db.products.find_one({"_id": pid})
    assert (stored["rating"], stored["reviewCount"]) == (3.5, 4)  # (5+4+4+1)/4
    assert (stored["rating"], stored["reviewCount"]) == rating_aggregate(services.db, pid)
    snapshot = services.catalog.get(str(pid))
    assert (snapshot.rating, snapshot.review_count) == (3.5, 4)  # the storefront sees it at once

    entries, total = recent_activity(services.db, entity="review")
    assert total == 3
    assert entries[-1].action == "review.hide" and entries[-1].before["productRating"] == 4.0
    assert entries[-1].after == {"hidden": True, "productRating": 4.0, "productReviewCount": 2}


def test_rating_is_rounded_to_two_decimals_and_zero_without_reviews(
    moderation: ReviewModeration, services: ShopServices, product_factory: Any
) -> None:
    pid = product_factory()["_id"]
    ids = [add_review(services.db, pid, r) for r in (5, 4, 4)]
    moderation.set_hidden(str(ids[0]), True, owner=OWNER)
    moderation.set_hidden(str(ids[0]), False, owner=OWNER)
    assert services.db.products.find_one({"_id": pid})["rating"] == 4.33
    for review_id in ids:
        moderation.set_hidden(str(review_id), True, owner=OWNER)
    stored = services.db.products.find_one({"_id": pid})
    assert (stored["rating"], stored["reviewCount"]) == (0.0, 0)


def test_hiding_twice_changes_nothing_more(
    moderation: ReviewModeration, services: ShopServices, product_factory: Any
) -> None:
    pid = product_factory()["_id"]
    review = add_review(services.db, pid, 2)
    moderation.set_hidden(str(review), True, owner=OWNER)
    moderation.set_hidden(str(review), True, owner=OWNER)
    assert services.db.activity_log.count_documents({}) == 1
    with pytest.raises(NotFound):
        moderation.set_hidden(str(ObjectId()), True, owner=OWNER)
    with pytest.raises(NotFound):
        moderation.set_hidden("nonsense", True, owner=OWNER)


def test_review_list_filters(moderation: ReviewModeration, services: ShopServices, product_factory: Any) -> None:
    a = product_factory(name="Alpha")["_id"]
    b = product_factory(name="Beta")["_id"]
    add_review(services.db, a, 5, age_days=2)
    add_review(services.db, a, 1, hidden=True, age_days=1)
    add_review(services.db, b, 3)
    ratings = lambda **q: [r.rating for r in moderation.list(ReviewListQuery(**q)).items]  # noqa: E731
    assert ratings() == [3, 1, 5]
    assert ratings(visibility="hidden") == [1]
    assert ratings(visibility="visible") == [3, 5]
    assert ratings(product=str(a)) == [1, 5]
    assert ratings(rating=5) == [5]
    assert moderation.list(ReviewListQuery()).items[0].product_name == "Beta"


def test_inbox_mark_handled_and_reopen(services: ShopServices) -> None:
    db = services.db
    now = datetime.now(UTC)
    first = db.contact_messages.insert_one(
        {
            "name": "Ann",
            "email": "ann@example.com",
            "subject": "Where is my order?",
            "message": "Hello there",
            "createdAt": now,
            "handled": False,
        }
    ).inserted_id
    db.contact_messages.insert_one(
        {
            "name": "Bob",
            "email": "bob@example.com",
            "subject": "Wholesale",
            "message": "Hi",
            "createdAt": now - timedelta(hours=1),
            "handled": False,
        }
    )
    assert [m.name for m in list_messages(db, InboxQuery()).items] == ["Ann", "Bob"]
    message = set_handled(db, str(first), True, owner=OWNER)
    assert message.handled and message.handled_by == OWNER
    assert [m.name for m in list_messages(db, InboxQuery()).items] == ["Bob"]
    assert [m.name for m in list_messages(db, InboxQuery(show="handled")).items] == ["Ann"]
    set_handled(db, str(first), False, owner=OWNER)
    assert list_messages(db, InboxQuery()).total == 2
    assert [e.action for e in recent_activity(db, entity="contact_message")[0]] == [
        "message.reopened",
        "message.handled",
    ]


def test_outbox_lists_what_the_shop_sent(services: ShopServices) -> None:
    services.mailer.send(Email(["ann@example.com"], "Hello Ann", "text body", "<p>html body</p>", "order_confirmation"))
    services.mailer.send(Email(["owner@example.com"], "Contact", "text", "<p>x</p>", "contact_notification"))
    page = list_outbox(services.db, OutboxQuery())
    assert [e.subject for e in page.items] == ["Contact", "Hello Ann"]
    assert page.items[0].html == ""  # the list does not load bodies
    assert [e.subject for e in list_outbox(services.db, OutboxQuery(kind="order_confirmation")).items] == ["Hello Ann"]
    assert [e.subject for e in list_outbox(services.db, OutboxQuery(to="ANN@example.com")).items] == ["Hello Ann"]
    assert list_outbox(services.db, OutboxQuery(status="sent")).total == 0
    email = get_outbox_email(services.db, page.items[1].id)
    assert email.html == "<p>html body</p>" and email.status == "stored"
