"""Retrieval benchmark: ours vs the bare parts, exact vs approximate, side by side, in one run.

    python -m bench.retrieval                       # 10k, 100k and 1M tickets
    python -m bench.retrieval --sizes 10000,100000  # any sizes, each runnable on its own
    python -m bench.retrieval --embed 1000000 --jobs 2   # only grow the cache of real embeddings
    python -m bench.retrieval --real 1000000             # then measure with all-real vectors

For each size it prints:
- query latency p50/p99 of the full search the bot calls (embed + FAISS + one SELECT of the rows)
  next to the bare embedder call + bare FAISS search on the same queries;
- recall@5 of the approximate index (IVF, and HNSW where asked) against exact search, same queries;
- build time and memory (index bytes, and the process's resident memory growth);
- embedding throughput (tickets/s): ours vs sentence-transformers' own encode.

The tickets are synthetic but look like support tickets: ~40 intents, each with many phrasings,
products, devices, order numbers, error codes and small talk, so every text is distinct. Their
vectors are real all-MiniLM-L6-v2 embeddings of those texts, cached under bench/results/ (the first
run embeds them, at about 220 tickets/s on 2 cores with ``--jobs 2``). Embedding a million texts
takes about 75 minutes, so by default a size beyond 200k real vectors (``--real``) is filled up
with *derived* vectors: a real
vector mixed with a real vector of the same intent plus a little noise, renormalised. The output
says how many vectors of each size are real and how many derived; grow the real part with
``--embed N`` on a machine with time (or a GPU) to make the 1M figures all-real.

Queries are held-out paraphrases from a different set of templates than the tickets, embedded for
real. Figures are noisy on a shared 2-core machine: run it when nothing else runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent

RESULTS = ROOT / "bench" / "results"
GENERATOR_VERSION = 1
CHUNK = 10_000

# --- synthetic support tickets ---------------------------------------------------------------------

PRODUCTS = [
    "Acme Router X2", "Acme Mesh Pro", "SmartCam 3", "SmartCam Mini", "Thermo Hub", "SoundBar 500",
    "FitBand 4", "FitBand Lite", "PhotoSync app", "Ledger Cloud", "Ledger Desktop", "TaskBoard",
    "TaskBoard Teams", "CloudDrive", "CloudDrive Business", "MailPilot", "StreamBox 4K", "StreamBox Go",
    "E-Reader Paper", "Kitchen Scale Pro", "Robo Vacuum V8", "Air Purifier 300", "Doorbell Cam",
    "Smart Plug Duo", "Weather Station", "Gaming Headset H7", "Wireless Mouse M3", "Keyboard K120",
    "USB-C Dock", "Portable SSD 1TB",
]  # fmt: skip
DEVICES = [
    "iPhone 13", "iPhone 15", "Pixel 7", "Galaxy S23", "iPad Air", "Windows 11 laptop", "MacBook Air",
    "Chromebook", "Android tablet", "Linux desktop", "Surface Pro", "Fire TV",
]  # fmt: skip
BROWSERS = ["Chrome", "Firefox", "Safari", "Edge", "Opera", "Brave"]
PLANS = ["Free", "Basic", "Plus", "Pro", "Team", "Business", "Enterprise"]
FEATURES = [
    "export to CSV", "calendar sync", "push notifications", "dark mode", "two-factor login",
    "shared folders", "offline mode", "auto backup", "voice control", "scheduled reports",
]  # fmt: skip
CARRIERS = ["DHL", "UPS", "FedEx", "the postal service", "DPD", "GLS"]
PAYMENTS = ["Visa card", "Mastercard", "PayPal", "bank transfer", "Apple Pay", "gift card"]
CITIES = ["Berlin", "Lyon", "Austin", "Leeds", "Porto", "Gdansk", "Osaka", "Toronto", "Milan", "Utrecht"]
OPENERS = ["", "", "", "Hi, ", "Hello, ", "Hey team, ", "Good morning. ", "Urgent: ", "Quick question: "]
CLOSERS = [
    "", "", "", " Thanks.", " Please help.", " Any idea?", " Thank you in advance.",
    " This is really annoying.", " I need this fixed today.",
]  # fmt: skip
CONTEXT = [
    "", "", "", " I already restarted everything.", " It started after the last update.",
    " It worked fine until yesterday.", " My colleague has the same problem.", " I tried twice already.",
    " I am on the {plan} plan.", " I am using {device}.",
]  # fmt: skip

# (intent, category, ticket question templates, held-out query templates, resolution)
INTENTS: list[tuple[str, str, list[str], list[str], str]] = [
    ("order_late", "shipping",
     ["My order #{order} has not arrived yet", "Where is my package? Order {order} is a week late",
      "Order {order} still not delivered, tracking has not moved", "The {product} I ordered never arrived"],
     ["my parcel is overdue, what happened", "still waiting for my delivery, it should be here by now"],
     "Check the tracking link from the shipping e-mail; {carrier} delays clear within 3 business days. "
     "If tracking has not moved for 5 days we reship or refund."),
    ("order_damaged", "shipping",
     ["The {product} arrived damaged", "My package came broken, order {order}",
      "Box was crushed and the {product} screen is cracked"],
     ["item was broken when it got here", "delivery arrived smashed, what now"],
     "Sorry about that. Send a photo of the item and the box; we ship a replacement at no cost."),
    ("change_address", "shipping",
     ["Can I change the delivery address for order {order}?", "I moved to {city}, update my shipping address",
      "Wrong address on order {order}, please fix"],
     ["need to ship to a different place than I entered", "update where my order gets delivered"],
     "Addresses can be changed until the order ships: Orders > {order} > Edit address."),
    ("refund_status", "billing",
     ["When will I get my refund for order {order}?", "Refund of {amount} not received yet",
      "I returned the {product} two weeks ago and still no refund"],
     ["where is my money back", "returned item but my account was not credited"],
     "Refunds post 5–10 business days after the return is scanned, to the original {payment}."),
    ("double_charge", "billing",
     ["I was charged twice for order {order}", "Two identical charges of {amount} on my {payment}",
      "Duplicate payment on my card for the {plan} plan"],
     ["the same payment shows up two times", "billed double this month"],
     "One of the two is a pending authorisation that drops off within 3 days; if both settle, we refund one."),
    ("invoice_copy", "billing",
     ["I need an invoice for order {order}", "Where can I download my invoice for the {plan} plan?",
      "Please send a VAT invoice for {amount}"],
     ["can I get a receipt for my purchase", "need billing document for my accountant"],
     "Invoices are under Account > Billing > Invoices; VAT details can be added before downloading."),
    ("cancel_subscription", "billing",
     ["How do I cancel my {plan} subscription?", "Please cancel my plan, I no longer need {product}",
      "Stop the auto renewal on my account"],
     ["I want to end my membership", "don't charge me next month, I'm quitting"],
     "Account > Subscription > Cancel; you keep access until the end of the paid period."),
    ("upgrade_plan", "billing",
     ["How do I upgrade from {plan} to a bigger plan?", "Want to move my team to the Business plan",
      "Can I switch to yearly billing?"],
     ["how to get more seats and features", "moving to a higher tier"],
     "Account > Subscription > Change plan; the price difference is prorated to the day."),
    ("payment_declined", "billing",
     ["My {payment} keeps getting declined", "Payment failed when buying the {product}",
      "Checkout says card declined but my bank says it is fine"],
     ["cannot pay, the transaction is rejected", "checkout won't accept my card"],
     "Check the billing address matches the card; 3-D Secure must be approved in your banking app."),
    ("password_reset", "account",
     ["I forgot my password", "Password reset e-mail never arrives", "Cannot reset my password on {device}"],
     ["locked out, can't remember my login", "how do I set a new password"],
     "Use Forgot password on the sign-in page; the link is valid 30 minutes, check the spam folder."),
    ("account_locked", "account",
     ["My account is locked after too many attempts", "It says account suspended, why?",
      "Locked out of my account on {device}"],
     ["account got blocked after failed logins", "why was my account disabled"],
     "Lockouts lift after 30 minutes; for a suspension we verify your identity by e-mail first."),
    ("two_factor", "account",
     ["Lost my phone, cannot get the two-factor code", "2FA codes are always rejected",
      "Authenticator app on my new {device} does not have my codes"],
     ["verification code doesn't work", "new phone and my login codes are gone"],
     "Sign in with a backup code, or we reset 2FA after verifying your identity; check the phone's clock."),
    ("change_email", "account",
     ["How do I change the e-mail on my account?", "Update my login e-mail address",
      "I no longer have access to my old e-mail"],
     ["want to use a different email to sign in", "switch my account to a new address"],
     "Settings > Profile > E-mail; confirm the link sent to the new address."),
    ("delete_account", "privacy",
     ["Please delete my account and all my data", "How do I close my account permanently?",
      "GDPR request: erase my personal data"],
     ["remove everything you store about me", "I want my profile gone for good"],
     "Settings > Privacy > Delete account; data is erased within 30 days, invoices are kept as the law requires."),
    ("data_export", "privacy",
     ["Can I get a copy of all my data?", "Export my personal data please",
      "I need my account history for a data access request"],
     ["download everything you have on me", "data access request"],
     "Settings > Privacy > Download my data; the archive link arrives by e-mail within 48 hours."),
    ("app_crash", "technical",
     ["The app crashes when I open settings on {device}", "{product} app closes right after launch",
      "App keeps crashing since version {version}"],
     ["application quits unexpectedly", "the app shuts itself down immediately"],
     "Update to the latest version, then clear the app cache; if it still crashes send us the crash ID."),
    ("login_error", "technical",
     ["Login fails with error {error}", "Cannot sign in on {browser}, page just reloads",
      "Sign-in button does nothing on {device}"],
     ["can't log into the website", "the login page is broken for me"],
     "Clear cookies for our site or try a private window; error {error} means an expired session."),
    ("slow_performance", "technical",
     ["{product} is very slow lately", "Dashboard takes a minute to load in {browser}",
      "Everything lags since the update on {device}"],
     ["the service is sluggish", "pages load forever"],
     "Disable browser extensions and check status.example.com; large workspaces load faster with archiving."),
    ("sync_issue", "technical",
     ["{feature} is not syncing between my devices", "Files do not sync to my {device}",
      "Changes on my laptop never show up on my phone"],
     ["my devices show different data", "updates aren't copied across"],
     "Sign out and in on both devices; sync needs the same account and app version {version} or newer."),
    ("feature_missing", "technical",
     ["I cannot find {feature} anymore", "Where did {feature} go after the update?",
      "Is {feature} available on the {plan} plan?"],
     ["the option disappeared", "a function I used is gone from the menu"],
     "{feature} moved to Settings > Advanced; some features need the Plus plan or higher."),
    ("notifications", "technical",
     ["I do not get any notifications on {device}", "Push notifications stopped working",
      "Too many e-mails from {product}, how do I turn them off?"],
     ["alerts don't show up on my phone", "how to mute the notification emails"],
     "Allow notifications for the app in the phone's settings; e-mail preferences are under Settings > Notifications."),
    ("wifi_setup", "devices",
     ["{product} will not connect to my Wi-Fi", "Setup fails at the network step for {product}",
      "My {product} keeps dropping the wireless connection"],
     ["device can't join the wireless network", "keeps disconnecting from wifi"],
     "Use the 2.4 GHz band during setup, keep the device within 5 m of the router, and power-cycle both."),
    ("firmware_update", "devices",
     ["Firmware update for {product} fails at 50%", "How do I update the firmware on my {product}?",
      "Update error {error} on {product}"],
     ["the device update gets stuck", "can't install the new software on my gadget"],
     "Keep the device plugged in, restart it, and retry from the app; error {error} clears after a factory reset."),
    ("battery_drain", "devices",
     ["Battery of my {product} drains in a few hours", "{product} will not hold a charge",
      "Battery life got much worse after the update"],
     ["the battery dies too fast", "charge doesn't last anymore"],
     "Turn off always-on features and update the firmware; if capacity is under 80% in the app, it is a warranty case."),
    ("pairing_bluetooth", "devices",
     ["{product} will not pair over Bluetooth", "Cannot connect {product} to my {device}",
      "Bluetooth pairing keeps failing"],
     ["won't link with my phone", "bluetooth connection doesn't work"],
     "Forget the device in Bluetooth settings, hold the pair button 10 seconds until the light blinks, then retry."),
    ("warranty_claim", "returns",
     ["Is my {product} still under warranty?", "Warranty claim for a faulty {product}",
      "My {product} stopped working after 8 months"],
     ["the product broke, is it covered", "device failed, can I get it fixed for free"],
     "The warranty is 2 years from delivery; open a claim under Orders > {order} > Warranty with a short video."),
    ("return_item", "returns",
     ["How do I return the {product}?", "I want to send back order {order}",
      "Can I still return something bought 20 days ago?"],
     ["send an item back for a refund", "what's the return process"],
     "Returns are free within 30 days: Orders > Return item prints a prepaid {carrier} label."),
    ("exchange_size", "returns",
     ["Can I exchange the {product} for another model?", "Wrong color, I want an exchange",
      "Swap my order {order} for a different version"],
     ["trade it for a different variant", "I'd like a replacement in another version"],
     "Start a return and place a new order; we refund the first one when it arrives, so nothing is charged twice."),
    ("promo_code", "sales",
     ["My discount code is not working", "Promo code says expired but the e-mail says valid",
      "Forgot to apply a coupon to order {order}"],
     ["voucher won't apply at checkout", "coupon rejected"],
     "Codes are case-sensitive and one per order; we can apply a forgotten code within 14 days."),
    ("price_match", "sales",
     ["Do you price match? {product} is cheaper elsewhere", "The price dropped a day after I bought it",
      "Saw the {product} for {amount} less in {city}"],
     ["can you match a lower price", "it went on sale right after I paid"],
     "We refund the difference if the price drops within 14 days of purchase; competitor prices are not matched."),
    ("bulk_order", "sales",
     ["We want to order 50 units of {product} for our office", "Do you offer volume discounts?",
      "Business quote for {product} please"],
     ["buying in large quantity for my company", "corporate purchase pricing"],
     "Orders over 20 units get a quote from sales within one business day: use the Business quote form."),
    ("api_key", "developers",
     ["Where do I find my API key?", "API returns 401 unauthorized with error {error}",
      "How do I rotate my API token?"],
     ["my integration is not authenticated", "need credentials for the api"],
     "API keys are under Settings > Developers; a 401 means the key was rotated or lacks the scope."),
    ("rate_limit", "developers",
     ["API returns 429 too many requests", "We hit the rate limit on the {plan} plan",
      "How many API calls per minute are allowed?"],
     ["the api is throttling us", "requests blocked for exceeding limits"],
     "The {plan} plan allows 600 requests per minute; back off on 429 using the Retry-After header."),
    ("webhook", "developers",
     ["Webhooks are not being delivered", "Our webhook endpoint never receives events",
      "Webhook signature verification fails"],
     ["event callbacks don't arrive", "the hook calls are not reaching our server"],
     "Check the endpoint returns 2xx within 10 s; signatures use the secret shown next to the webhook."),
    ("team_invite", "workspace",
     ["How do I invite my team to {product}?", "Invitation e-mail to a colleague expired",
      "Add a new user to our workspace"],
     ["how to add coworkers", "give a colleague access"],
     "Workspace > Members > Invite; invitations expire after 7 days and can be resent."),
    ("permissions", "workspace",
     ["A team member cannot edit shared files", "How do I make someone an admin?",
      "User sees 'access denied' in the {feature} page"],
     ["colleague lacks rights to change things", "change someone's role"],
     "Admins change roles under Workspace > Members; editing shared files needs the Editor role."),
    ("sso_setup", "workspace",
     ["How do I set up SSO with our identity provider?", "SAML login fails with error {error}",
      "Enable single sign-on for the {plan} plan"],
     ["company login through our directory", "configure saml for my org"],
     "SSO is on the Business plan: Workspace > Security > SSO; error {error} is a certificate mismatch."),
    ("store_hours", "general",
     ["What are your opening hours in {city}?", "Is the {city} store open on Sunday?",
      "When can I reach customer support by phone?"],
     ["when are you open", "what time does the shop close"],
     "Stores open Mon–Sat 9–19; phone support is available weekdays 8–20 CET."),
    ("gift_card", "sales",
     ["My gift card balance is wrong", "How do I redeem a gift card?", "Gift card code not accepted"],
     ["voucher card balance problem", "using a gift certificate"],
     "Redeem under Account > Gift cards; balances update within an hour of an order."),
    ("accessibility", "general",
     ["Does {product} support screen readers?", "Can I make the text bigger in the app?",
      "High contrast mode for {product}?"],
     ["the app is hard to read for me", "accessibility options"],
     "Settings > Accessibility has text size, high contrast and screen-reader labels on all screens."),
]  # fmt: skip


def _slots(rng: random.Random) -> dict[str, str]:
    return {
        "order": str(rng.randrange(1_000_000, 9_999_999)),
        "product": rng.choice(PRODUCTS),
        "device": rng.choice(DEVICES),
        "browser": rng.choice(BROWSERS),
        "plan": rng.choice(PLANS),
        "feature": rng.choice(FEATURES),
        "carrier": rng.choice(CARRIERS),
        "payment": rng.choice(PAYMENTS),
        "city": rng.choice(CITIES),
        "amount": f"${rng.randrange(5, 900)}.{rng.randrange(0, 99):02d}",
        "error": f"E-{rng.randrange(1000, 9999)}",
        "version": f"{rng.randrange(2, 9)}.{rng.randrange(0, 20)}.{rng.randrange(0, 9)}",
    }


@dataclass(frozen=True)
class SynthTicket:
    question: str
    resolution: str
    category: str
    intent: int


def synth_ticket(i: int, *, seed: int = 7) -> SynthTicket:
    """Ticket number ``i`` of the synthetic collection: the same text for the same (i, seed)."""
    rng = random.Random(seed * 1_000_003 + i)
    intent = rng.randrange(len(INTENTS))
    _, category, templates, _, resolution = INTENTS[intent]
    slots = _slots(rng)
    text = rng.choice(OPENERS) + rng.choice(templates) + "." + rng.choice(CONTEXT) + rng.choice(CLOSERS)
    question = text.format(**slots).replace("..", ".").replace("?.", "?").strip()
    # A number makes every ticket distinct; real tickets carry order numbers or error codes too.
    question += f" (ref {slots['order']})" if "{order}" not in text else ""
    return SynthTicket(question, resolution.format(**slots), category, intent)


def synth_query(i: int, *, seed: int = 99) -> tuple[str, int]:
    """A held-out paraphrase: templates the tickets never use."""
    rng = random.Random(seed * 1_000_003 + i)
    intent = rng.randrange(len(INTENTS))
    templates = INTENTS[intent][3]
    text = rng.choice(OPENERS) + rng.choice(templates) + "." + rng.choice(CONTEXT) + rng.choice(CLOSERS)
    return text.format(**_slots(rng)).strip(), intent


# --- the cache of real embeddings ----------------------------------------------------------------


@dataclass(frozen=True)
class Cache:
    """Real embeddings of synthetic tickets 0, 1, 2, ... in files of ``chunk`` vectors."""

    results: Path
    embedder: str
    chunk: int = CHUNK

    @property
    def folder(self) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.embedder)
        return self.results / f"vectors-{safe}-gen{GENERATOR_VERSION}-chunk{self.chunk}"

    def _file(self, number: int) -> Path:
        return self.folder / f"chunk-{number:05d}.npy"

    def available(self) -> int:
        """How many ticket vectors, from ticket 0 on, are cached."""
        n = 0
        while self._file(n // self.chunk).exists():
            n += self.chunk
        return n

    def grow(self, embedder, n: int, *, jobs: int = 1) -> None:
        """Make sure tickets 0..n-1 (rounded up to whole chunks) have real vectors cached.

        With ``jobs`` > 1 the missing chunks are shared among that many processes of one torch
        thread each (on a small machine this beats one process with several threads).
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        missing = [c for c in range(-(-n // self.chunk)) if not self._file(c).exists()]
        if not missing:
            return
        from tqdm import tqdm

        total = -(-n // self.chunk) * self.chunk
        bar = tqdm(
            total=total, initial=total - len(missing) * self.chunk, unit="ticket",
            desc="real embeddings", file=sys.stderr,
        )  # fmt: skip
        if jobs <= 1:
            for number in missing:
                self._embed_chunk(embedder, number)
                bar.update(self.chunk)
        else:
            import multiprocessing as mp

            with mp.get_context("spawn").Pool(jobs, initializer=_worker_init, initargs=(self,)) as pool:
                for _ in pool.imap_unordered(_worker_chunk, missing):
                    bar.update(self.chunk)
        bar.close()

    def _embed_chunk(self, embedder, number: int) -> None:
        import numpy as np

        start = number * self.chunk
        texts = [synth_ticket(i).question for i in range(start, start + self.chunk)]
        vectors = embedder.encode(texts, batch_size=32).astype(np.float32)
        tmp = self.folder / f".chunk-{number:05d}.{os.getpid()}.tmp.npy"
        np.save(tmp, vectors)
        os.replace(tmp, self._file(number))

    def load(self, n: int):
        import numpy as np

        parts = [np.load(self._file(c)) for c in range(-(-n // self.chunk))]
        return np.concatenate(parts)[:n]


_WORKER: tuple[Cache, object] | None = None


def _worker_init(cache: Cache) -> None:
    global _WORKER
    import torch

    from supportbot.retrieval.embedder import load_embedder

    torch.set_num_threads(1)
    _WORKER = (cache, load_embedder(cache.embedder))


def _worker_chunk(number: int) -> int:
    assert _WORKER is not None
    cache, embedder = _WORKER
    cache._embed_chunk(embedder, number)
    return number


def collection_vectors(cache: Cache, n: int, *, real: int):
    """``n`` ticket vectors: ``real`` real ones first, then derived ones (see the module doc).

    A derived vector is normalise(a·v + (1-a)·w + noise): v a real vector, w another real vector of
    the same intent, a in [0.7, 0.9], noise N(0, 0.02²) per dimension. It stays in the region real
    tickets of that intent occupy instead of being uniform noise, so it neither flatters nor sinks
    an approximate index the way random vectors do.
    """
    import numpy as np

    real = min(n, real)
    base = cache.load(real)
    if real == n:
        return base
    intents = np.array([synth_ticket(i).intent for i in range(real)])
    by_intent = [np.flatnonzero(intents == k) for k in range(len(INTENTS))]
    rng = np.random.default_rng(12345)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    out[:real] = base
    for start in range(real, n, 100_000):
        stop = min(n, start + 100_000)
        src = rng.integers(0, real, size=stop - start)
        partner = np.array([by_intent[intents[b]][rng.integers(len(by_intent[intents[b]]))] for b in src])
        a = rng.uniform(0.7, 0.9, size=(stop - start, 1)).astype(np.float32)
        mixed = a * base[src] + (1 - a) * base[partner]
        mixed += rng.normal(0, 0.02, size=mixed.shape).astype(np.float32)
        mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
        out[start:stop] = mixed
    return out


# --- measuring -------------------------------------------------------------------------------------


def rss_bytes() -> int:
    """Resident memory of this process now (Linux; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def pct(values: list[float]) -> tuple[float, float]:
    """(p50, p99) in milliseconds of durations in seconds."""
    import numpy as np

    ms = np.asarray(values) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def recall_at(found, truth) -> float:
    import numpy as np

    k = truth.shape[1]
    return float(np.mean([len(set(f[f >= 0]) & set(t)) / k for f, t in zip(found, truth, strict=True)]))


def make_db(path: Path, n: int):
    """A migrated SQLite database holding synthetic tickets 0..n-1 with ids 1..n (kept for reruns)."""
    from sqlalchemy import func, insert, select

    from supportbot.core.db import make_engine, session_factory, upgrade
    from supportbot.core.models import Ticket, utcnow
    from supportbot.core.store import content_hash

    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as s:
        have = s.scalar(select(func.count(Ticket.id))) or 0
    if have == n:
        return engine, sessions
    if have:
        engine.dispose()
        path.unlink()
        return make_db(path, n)
    from tqdm import tqdm

    now = utcnow()
    with tqdm(total=n, unit="row", desc=f"tickets table ({n:,})", file=sys.stderr) as bar:
        for start in range(0, n, 20_000):
            rows = []
            for i in range(start, min(n, start + 20_000)):
                t = synth_ticket(i)
                digest = content_hash(
                    question=t.question, body=None, resolution=t.resolution, category=t.category
                )
                rows.append(
                    {
                        "id": i + 1,
                        "external_id": f"S-{i}",
                        "question": t.question,
                        "body": None,
                        "resolution": t.resolution,
                        "category": t.category,
                        "source": "bench",
                        "content_hash": digest,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            with engine.begin() as conn:
                conn.execute(insert(Ticket), rows)
            bar.update(len(rows))
    return engine, sessions


def timed_build(ids, vectors, kind: str, params=None):
    import faiss

    from supportbot.retrieval.faiss_index import TicketIndex

    faiss.omp_set_num_threads(os.cpu_count() or 1)  # building is batch work: use every core
    before = rss_bytes()
    started = time.perf_counter()
    index = TicketIndex.build(ids, vectors, kind=kind, params=params)
    seconds = time.perf_counter() - started
    grown = rss_bytes() - before
    faiss.omp_set_num_threads(1)
    return index, seconds, grown


def single_query_times(index, query_vecs, k: int) -> list[float]:
    times = []
    for i in range(len(query_vecs)):
        q = query_vecs[i : i + 1]
        started = time.perf_counter()
        index.search(q, k)
        times.append(time.perf_counter() - started)
    return times


def bench_size(n: int, *, args, cache: Cache, embedder, queries: list[str], query_vecs) -> dict:
    import faiss
    import numpy as np

    from supportbot.retrieval.faiss_index import choose_kind
    from supportbot.retrieval.index_files import save_index
    from supportbot.retrieval.rows import table_fingerprint
    from supportbot.retrieval.search import Retriever

    k = args.k
    real = min(n, args.real, cache.available())
    print(f"\n=== {n:,} tickets: {real:,} real embeddings + {n - real:,} derived ===", flush=True)
    vectors = collection_vectors(cache, n, real=real)
    ids = np.arange(1, n + 1, dtype=np.int64)
    out: dict = {"tickets": n, "real_vectors": real, "derived_vectors": n - real, "k": k}

    # exact reference, and the approximate kinds
    exact, exact_s, exact_mem = timed_build(ids, vectors, "flat")
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    _, truth = exact.search(query_vecs, k)
    faiss.omp_set_num_threads(1)
    builds = {"flat": (exact, exact_s, exact_mem)}
    kinds = [a for a in args.approx.split(",") if a]
    for kind in kinds:
        if kind == "hnsw" and n > args.hnsw_max:
            print(f"(hnsw skipped above {args.hnsw_max:,} tickets: raise --hnsw-max to build it)")
            continue
        builds[kind] = timed_build(ids, vectors, kind)

    # the bot's index at this size (what `auto` picks) behind the full search API
    chosen = choose_kind("auto", count=n, threshold=args.threshold)
    if chosen not in builds:
        builds[chosen] = timed_build(ids, vectors, chosen)
    db_path = args.results / f"bench-tickets-{n}.db"
    engine, sessions = make_db(db_path, n)
    with sessions() as s:
        count, digest = table_fingerprint(s)
    assert count == n
    folder = args.results / f"index-{n}"
    manifest = save_index(folder, builds[chosen][0], embedder=embedder.name, fingerprint=digest)
    retriever = Retriever.from_index(folder, sessions=sessions, embedder=embedder, k=k)
    index = retriever.index

    # latency: full search vs bare embed + bare FAISS on the same index, interleaved
    for q in queries[:5]:
        retriever.search(q, k)
    full, bare = [], []
    for i, q in enumerate(queries):
        order = (0, 1) if i % 2 else (1, 0)
        for which in order:
            started = time.perf_counter()
            if which == 0:
                hits = retriever.search(q, k)
                full.append(time.perf_counter() - started)
                assert len(hits) == k
            else:
                index.search(embedder.encode([q]), k)
                bare.append(time.perf_counter() - started)
    out["search"] = {
        "index": chosen,
        "full_ms": pct(full),
        "bare_ms": pct(bare),
        "ratio_p50": pct(full)[0] / pct(bare)[0],
    }

    # FAISS alone: single queries, and recall@k of each approximate kind against exact
    out["indexes"] = {}
    for kind, (built, seconds, grown) in builds.items():
        tmp = args.results / f".size-{kind}-{n}.faiss"
        built.write(tmp)
        size = tmp.stat().st_size
        tmp.unlink()
        _, found = built.search(query_vecs, k)
        out["indexes"][kind] = {
            "build_s": seconds,
            "rss_growth_bytes": grown,
            "file_bytes": size,
            "faiss_ms": pct(single_query_times(built, query_vecs, k)),
            "recall": recall_at(found, truth),
            "params": {p: v for p, v in built.params.items() if p != "trained_on"},
        }
    if "ivf" in builds:
        ivf = builds["ivf"][0]
        default = ivf.index.nprobe
        sweep = []
        for nprobe in sorted({max(1, default // 2), default, default * 2, default * 4}):
            if nprobe > ivf.params["nlist"]:
                continue
            ivf.index.nprobe = nprobe
            _, found = ivf.search(query_vecs, k)
            sweep.append(
                {
                    "nprobe": nprobe,
                    "recall": recall_at(found, truth),
                    "faiss_ms": pct(single_query_times(ivf, query_vecs, k)),
                }
            )
        ivf.index.nprobe = default
        out["ivf_sweep"] = sweep
    out["manifest_count"] = manifest.count
    engine.dispose()
    if not args.keep:
        db_path.unlink(missing_ok=True)
        for leftover in folder.iterdir():
            leftover.unlink()
        folder.rmdir()
    print_size(out)
    return out


def print_size(r: dict) -> None:
    s = r["search"]
    k = r["k"]
    print(f"query latency ({s['index']} index, {len(r['indexes'])} kinds built), ms:")
    print(f"  {'':<34}{'p50':>8}{'p99':>8}")
    print(f"  {'full search (embed+FAISS+rows)':<34}{s['full_ms'][0]:>8.2f}{s['full_ms'][1]:>8.2f}")
    print(f"  {'bare embed + bare FAISS':<34}{s['bare_ms'][0]:>8.2f}{s['bare_ms'][1]:>8.2f}")
    print(f"  full / bare at p50: {s['ratio_p50']:.2f}x")
    print(f"index kinds (FAISS part alone, single queries; recall@{k} vs exact on the same queries):")
    print(
        f"  {'kind':<6}{'p50 ms':>8}{'p99 ms':>8}{'recall':>8}{'build s':>9}{'file':>11}{'RSS +':>11}  params"
    )
    for kind, x in r["indexes"].items():
        params = ", ".join(f"{a}={b}" for a, b in x["params"].items())
        print(
            f"  {kind:<6}{x['faiss_ms'][0]:>8.2f}{x['faiss_ms'][1]:>8.2f}{x['recall']:>8.3f}{x['build_s']:>9.1f}"
            f"{mib(x['file_bytes']):>11}{mib(x['rss_growth_bytes']):>11}  {params}"
        )
    for row in r.get("ivf_sweep", []):
        print(
            f"  ivf nprobe={row['nprobe']:<5} recall@{k} {row['recall']:.3f}  p50 {row['faiss_ms'][0]:.2f} ms"
        )


def bench_throughput(embedder, n: int, *, with_st: bool) -> dict:
    """Embedding throughput in tickets/s: ours vs sentence-transformers' encode, same texts."""
    texts = [synth_ticket(5_000_000 + i).question for i in range(n)]
    embedder.encode(texts[:64])
    started = time.perf_counter()
    embedder.encode(texts, batch_size=64)
    out = {"texts": n, "ours_per_s": n / (time.perf_counter() - started)}
    if with_st:
        from sentence_transformers import SentenceTransformer

        from supportbot.retrieval.embedder import packaged_model_path

        model = SentenceTransformer(str(packaged_model_path()), device="cpu", local_files_only=True)
        model.encode(texts[:64])
        started = time.perf_counter()
        model.encode(texts, batch_size=64, normalize_embeddings=True)
        out["sentence_transformers_per_s"] = n / (time.perf_counter() - started)
    line = f"embedding throughput ({n} tickets, batch 64): ours {out['ours_per_s']:.0f}/s"
    if "sentence_transformers_per_s" in out:
        line += f", sentence-transformers encode {out['sentence_transformers_per_s']:.0f}/s"
    print(line, flush=True)
    return out


def main(argv: list[str] | None = None) -> dict:

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="Comma-separated ticket counts.")
    parser.add_argument("--queries", type=int, default=200, help="Held-out queries per size.")
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--approx", default="ivf,hnsw", help="Approximate kinds to compare with exact.")
    parser.add_argument(
        "--hnsw-max", type=int, default=200_000, help="Skip HNSW above this size (slow build)."
    )
    parser.add_argument("--threshold", type=int, default=200_000, help="`auto` picks IVF above this.")
    parser.add_argument("--real", type=int, default=200_000, help="Use at most this many real embeddings.")
    parser.add_argument("--embed", type=int, default=None, help="Only grow the real-embedding cache to N.")
    parser.add_argument(
        "--jobs", type=int, default=1, help="Processes (one thread each) that grow the embedding cache."
    )
    parser.add_argument(
        "--throughput", type=int, default=2000, help="Texts for the throughput figure (0: skip)."
    )
    parser.add_argument("--no-st", action="store_true", help="Skip the sentence-transformers comparison.")
    parser.add_argument("--chunk", type=int, default=CHUNK, help=argparse.SUPPRESS)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--keep", action="store_true", help="Keep the databases and indexes made.")
    args = parser.parse_args(argv)
    args.results.mkdir(parents=True, exist_ok=True)

    import faiss

    from supportbot.retrieval.embedder import load_embedder

    embedder = load_embedder()
    cache = Cache(args.results, embedder.name, args.chunk)
    if args.embed is not None:
        cache.grow(embedder, args.embed, jobs=args.jobs)
        print(f"{cache.available():,} real embeddings cached in {cache.folder}")
        return {}
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    need = min(max(sizes), args.real)
    if cache.available() < need:
        cache.grow(embedder, need, jobs=args.jobs)
    faiss.omp_set_num_threads(1)
    print(
        f"machine: {os.cpu_count()} cores; faiss {faiss.__version__}; embedder {embedder.name}; "
        f"{args.queries} held-out queries; real embeddings cached: {cache.available():,}"
    )
    report: dict = {"sizes": [], "cores": os.cpu_count(), "embedder": embedder.name}
    if args.throughput:
        report["throughput"] = bench_throughput(embedder, args.throughput, with_st=not args.no_st)
    queries = [synth_query(i)[0] for i in range(args.queries)]
    query_vecs = embedder.encode(queries)
    for n in sizes:
        report["sizes"].append(
            bench_size(n, args=args, cache=cache, embedder=embedder, queries=queries, query_vecs=query_vecs)
        )
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = args.results / f"retrieval-{stamp}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"\nresults: {out}")
    return report


if __name__ == "__main__":
    main()
