"""Chaos run: a real `qa serve --workers 2` under 32 clients while hostile input and a kill -9.

    .venv/bin/python bench/chaos.py [--duration 60] [--clients 32] [--workers 2] \
        [--models-dir data/models] [--work bench/out/chaos]

Copies the seed article and tests/data into a work folder, builds its index (`qa index
build`), starts `qa serve --workers N` over it with admin on, and warms it up. Then, for
`--duration` seconds at once:

- `--clients` asyncio clients post the corpus' questions to /ask back to back;
- a feeder sends the cases of the README's "Hostile input" table, round after round: bad
  filter dates (/ask and the chat form), a 5 MB history item, a history over 5,000
  characters, a 501-character question, GET /?q=… with and without a conversation (which
  must create or change none), chat-form turns (conversations to find again afterwards),
  and, once: two uploads whose names clean to one, an upload dated 2024-13 followed by the
  public /admin page (its month chart), a long article (`--long` sentences, four to a
  paragraph) followed by uploads while it is indexed (busy) and, each later round, its page,
  and an upload over QA_MAX_UPLOAD_BYTES;
- at 40 % of the duration, one worker process (a child of the server) is killed with
  SIGKILL; uvicorn is expected to start another.

Prints: answers and errors by status or exception of the clients, latency p50/p95/p99/max
of their answers, each hostile case with the status it got against the one expected, the
RSS of the server's processes before, at peak and after (after the load, once every worker
has answered again), the kill and the replacement, and whether anything was lost: the
corpus' questions answered as before, every accepted upload listed, indexed and answered
from, every refused one absent from uploads/, every conversation kept with its turns.
Exits 1 if something was lost. The clients share the machine's cores with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: bench.http_load, embedding

from bench.http_load import load  # noqa: E402
from web.uploads import safe_name  # noqa: E402

TOKEN = "chaos-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
HTML = {"Accept": "text/html"}
# The corpus' questions (the seed article, tests/data), asked by the clients and checked
# before and after: the quoted article must be the same.
QUESTIONS = [
    "When is the new harbour bridge expected to open?",
    "How much will the harbour bridge cost?",
    "How many signatures did the shop owners collect?",
    "Combien de jours de trêve réclame l'Ukraine ?",
    "Où ont eu lieu les négociations entre l'Ukraine et la Russie ?",
    "À combien est tombé le débit de la Loire ?",
    "How low was the water level at Kaub?",
    "How much of their usual load can barges on the Rhine carry?",
]
PLACES = ["Velmarix", "Quendrel", "Ostravine", "Brunhollow", "Caldemere", "Tirsk", "Ambervale"]
COLOURS = ["ochre", "teal", "crimson", "violet", "amber", "indigo", "saffron"]


# --- the server and its processes ----------------------------------------------------


def processes(pid: int) -> dict[int, tuple[str, int]]:
    """The server and its descendants: pid → (command line, RSS in bytes)."""
    try:
        import psutil
    except ImportError:
        return _processes_from_proc(pid)
    found: dict[int, tuple[str, int]] = {}
    try:
        root = psutil.Process(pid)
        for process in [root, *root.children(recursive=True)]:
            try:
                found[process.pid] = (" ".join(process.cmdline()), process.memory_info().rss)
            except psutil.NoSuchProcess:
                continue
    except psutil.NoSuchProcess:
        pass
    return found


def _processes_from_proc(pid: int) -> dict[int, tuple[str, int]]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    tree, changed = {pid}, True
    while changed:
        grown = tree | {child for child, parent in parents.items() if parent in tree}
        changed, tree = grown != tree, grown
    found: dict[int, tuple[str, int]] = {}
    for member in tree:
        try:
            command = Path(f"/proc/{member}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            pages = int(Path(f"/proc/{member}/statm").read_text().split()[1])
        except OSError:
            continue
        found[member] = (command.strip(), pages * os.sysconf("SC_PAGE_SIZE"))
    return found


def workers(pid: int) -> list[int]:
    """uvicorn's worker processes: the server's children started by multiprocessing."""
    return sorted(p for p, (command, _) in processes(pid).items() if "spawn_main" in command)


def rss_mb(pid: int) -> tuple[float, str]:
    """Total RSS of the server's processes in MB, and each one's."""
    found = processes(pid)
    each = ", ".join(
        f"{'worker' if 'spawn_main' in command else 'main' if p == pid else 'other'} {p} "
        f"{rss / 2**20:.0f}"
        for p, (command, rss) in sorted(found.items())
    )
    return sum(rss for _, rss in found.values()) / 2**20, each


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str
    work: Path
    env: dict[str, str]

    @property
    def log(self) -> Path:
        return self.work / "server.log"


def environment(work: Path, models_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "QA_INDEX_DIR": str(work / "index"),
        "QA_SOURCE_DIR": str(work / "articles"),
        "QA_MODELS_DIR": str(models_dir.resolve()),
        "QA_ADMIN_TOKEN": TOKEN,
        "QA_CONVERSATIONS_FILE": str(work / "conversations.sqlite"),
        "PYTHONPATH": str(ROOT),
    }


def prepare(work: Path, models_dir: Path) -> dict[str, str]:
    """A fresh work folder: the corpus copied, its index built."""
    if work.exists():
        shutil.rmtree(work)
    articles = work / "articles"
    articles.mkdir(parents=True)
    for path in [*(ROOT / "seeds").glob("*.txt"), *(ROOT / "tests/data").glob("*.*")]:
        shutil.copy(path, articles / path.name)
    env = environment(work, models_dir)
    if not (models_dir / "multilingual-e5-small").is_dir():
        from index.embedding.e5 import build_e5_model

        print(f"building multilingual-e5-small into {models_dir}", flush=True)
        build_e5_model(models_dir / "multilingual-e5-small")
    started = time.perf_counter()
    with (work / "index.log").open("wb") as log:
        built = subprocess.run(
            [sys.executable, "-m", "web.cli.main", "index", "build", str(articles)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
    if built.returncode not in (0, 3):  # 3: indexed, some files skipped
        raise SystemExit(f"index build failed ({built.returncode}): see {work / 'index.log'}")
    took = time.perf_counter() - started
    print(f"index of {len(list(articles.iterdir()))} files built in {took:.0f} s", flush=True)
    return env


def start(work: Path, env: dict[str, str], port: int, count: int) -> Served:
    command = [sys.executable, "-m", "web.cli.main", "serve", "--port", str(port)]
    log = (work / "server.log").open("wb")
    process = subprocess.Popen(
        [*command, "--workers", str(count)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,  # its own group: stopped whole at the end
    )
    return Served(process, f"http://127.0.0.1:{port}", work, env)


async def wait_ready(served: Served, count: int, limit: float = 300) -> float:
    """Until every worker has said its app started and /healthz answers."""
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=10) as client:
        while time.perf_counter() - started < limit:
            if served.process.poll() is not None:
                raise SystemExit(f"the server exited with {served.process.returncode}")
            said = served.log.read_text(errors="replace").count("Application startup complete")
            try:
                healthy = (await client.get(f"{served.url}/healthz")).status_code == 200
            except httpx.TransportError:
                healthy = False
            if healthy and said >= count:
                return time.perf_counter() - started
            await asyncio.sleep(0.5)
    raise SystemExit(f"{served.url} not ready after {limit:.0f} s")


def stop(served: Served) -> None:
    try:
        os.killpg(served.process.pid, signal.SIGTERM)
        served.process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(served.process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# --- what the run records ----------------------------------------------------------------


@dataclass
class Upload:
    sent: str  # the name it was sent as
    saved: str  # the name it is saved under
    question: str | None  # a question only its article answers
    title: str | None
    status: int = 0
    case: str = ""


@dataclass
class Record:
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    cut: Counter[str] = field(default_factory=Counter)  # the feeder's, by a dead worker
    cases: list[tuple[str, str, str, float]] = field(default_factory=list)  # name, want, got
    uploads: list[Upload] = field(default_factory=list)
    conversations: dict[str, int] = field(default_factory=dict)  # id → turns kept
    peak_mb: float = 0.0
    killed: str = "no worker killed"
    long_article: str | None = None  # its id, once indexed

    def case(self, name: str, want: str, got: str, started: float) -> None:
        self.cases.append((name, want, got, (time.perf_counter() - started) * 1000))


def conversation_rows(work: Path) -> int:
    path = work / "conversations.sqlite"
    if not path.exists():
        return 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as db:
        return int(db.execute("SELECT count(*) FROM conversations").fetchone()[0])


def article(number: int, date: str = "2024-05-02") -> tuple[bytes, str, str]:
    """A small article with a fact of its own: its bytes, its title, a question on it."""
    place, colour = PLACES[number % len(PLACES)], COLOURS[number % len(COLOURS)]
    title = f"The lighthouse of Port {place} gets a new coat"
    text = (
        f"---\ntitle: {title}\ndate: {date}\n---\n\n# {title}\n\n"
        f"The lighthouse of Port {place} was painted {colour} last week by volunteers. "
        f"The work on the tower of Port {place} took eleven days.\n"
    )
    return text.encode(), title, f"What colour was the lighthouse of Port {place} painted?"


def long_article(sentences: int) -> bytes:
    paragraphs = [
        " ".join(
            f"The harbour of Zelbourne logged ship number {n} at berth {n % 40}."
            for n in range(first, min(first + 4, sentences))
        )
        for first in range(0, sentences, 4)
    ]
    return ("# The Zelbourne harbour log\n\n" + "\n\n".join(paragraphs)).encode()


# --- the clients -------------------------------------------------------------------------


async def client_loop(
    client: httpx.AsyncClient, first: int, step: int, deadline: float, record: Record
) -> None:
    number = first
    while time.perf_counter() < deadline:
        question = QUESTIONS[number % len(QUESTIONS)]
        number += step
        started = time.perf_counter()
        try:
            response = await client.post("/ask", json={"question": question})
        except httpx.HTTPError as error:
            record.errors[type(error).__name__] += 1
            await asyncio.sleep(0.1)  # a refused connection fails at once: do not spin
            continue
        if response.status_code == 200:
            record.latencies.append((time.perf_counter() - started) * 1000)
        else:
            record.errors[f"HTTP {response.status_code}"] += 1


async def sample_memory(pid: int, deadline: float, record: Record) -> None:
    while time.perf_counter() < deadline:
        record.peak_mb = max(record.peak_mb, rss_mb(pid)[0])
        await asyncio.sleep(1)


async def kill_a_worker(served: Served, start: float, at: float, record: Record) -> None:
    await asyncio.sleep(max(0.0, start + at - time.perf_counter()))
    before = workers(served.process.pid)
    if not before:
        record.killed = "no worker process found to kill"
        return
    victim = before[0]
    os.kill(victim, signal.SIGKILL)
    killed = time.perf_counter()
    for _ in range(240):
        await asyncio.sleep(0.5)
        now = workers(served.process.pid)
        if victim not in now and len(now) == len(before):
            new = sorted(set(now) - set(before))
            record.killed = (
                f"worker {victim} killed (SIGKILL) {killed - start:.0f} s into the run; "
                f"worker {new} started by uvicorn {time.perf_counter() - killed:.1f} s later"
            )
            return
    record.killed = f"worker {victim} killed (SIGKILL); no new worker after 120 s"


# --- the hostile cases -------------------------------------------------------------------


def got(response: httpx.Response) -> str:
    return str(response.status_code)


async def upload(
    client: httpx.AsyncClient, record: Record, case: str, files: list[tuple[str, bytes]]
) -> httpx.Response:
    response = await client.post(
        "/admin/articles",
        headers=ADMIN,
        files=[("files", (name, data, "text/markdown")) for name, data in files],
    )
    for name, data in files:
        text = data.decode(errors="replace")
        title = text.split("title: ", 1)[1].split("\n", 1)[0] if "title: " in text else None
        question = None
        if "lighthouse of Port " in text:
            place = text.split("lighthouse of Port ", 1)[1].split(" ", 1)[0]
            question = f"What colour was the lighthouse of Port {place} painted?"
        record.uploads.append(
            Upload(name, safe_name(name), question, title, response.status_code, case)
        )
    return response


async def indexed(client: httpx.AsyncClient, saved: str, limit: float) -> list[str]:
    """The ids of the articles of the upload `saved` once indexed; [] after `limit` s."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        try:
            listing = (await client.get("/admin/uploads", headers=ADMIN)).json()
            for item in listing["uploads"]:
                if item["name"] == saved and item["articles"]:
                    return list(item["articles"])
            if any(item["name"] == saved for item in listing["rejected"]):
                return []
        except (httpx.HTTPError, ValueError, KeyError):
            pass  # a killed worker, a 503 while it restarts
        await asyncio.sleep(1)
    return []


async def round_of_requests(client: httpx.AsyncClient, record: Record, work: Path) -> None:
    """The cases every round sends: each answered at once, and none changes anything."""
    question = QUESTIONS[0]
    for name, body in [
        ("/ask since=2024-13", {"question": question, "since": "2024-13"}),
        ("/ask until=2025-02-30", {"question": question, "until": "2025-02-30"}),
        ("/ask history item of 5 MB", {"question": question, "history": ["x" * 5_000_000]}),
        ("/ask history of 11 × 500 chars", {"question": question, "history": ["y" * 500] * 11}),
        ("/ask question of 501 chars", {"question": "q" * 501}),
    ]:
        started = time.perf_counter()
        response = await client.post("/ask", json=body)
        record.case(name, "422", got(response), started)
    started = time.perf_counter()
    form = {"question": question, "since": "2024-13"}
    response = await client.post("/", data=form, headers=HTML)
    record.case("chat form since=2024-13", "422", got(response), started)
    started = time.perf_counter()
    response = await client.post("/", data={"question": question}, headers=HTML)
    if response.status_code == 303:
        kept = response.headers["location"].split("c=", 1)[1].split("#", 1)[0]
        record.conversations[kept] = record.conversations.get(kept, 0) + 1
    record.case("chat form turn (kept)", "303", got(response), started)
    for with_c in (False, True):
        cid = next(iter(record.conversations), None) if with_c else None
        before = conversation_rows(work)
        started = time.perf_counter()
        params = {"q": QUESTIONS[3], **({"c": cid} if cid else {})}
        response = await client.get("/", params=params, headers=HTML)
        after = conversation_rows(work)
        said = got(response) + (", none kept" if after == before else f", {after - before} kept")
        name = "GET /?q=…" + (" &c=ID" if cid else "")
        record.case(name, "200, none kept", said, started)
    if record.long_article:
        started = time.perf_counter()
        response = await client.get(f"/articles/{record.long_article}", headers=HTML)
        record.case("long article's page", "200", got(response), started)


async def uploads_once(
    client: httpx.AsyncClient, record: Record, long: int, deadline: float
) -> None:
    """The upload cases, once: names that clean to one, a 2024-13 date, busy, too large."""
    data, _, _ = article(0)
    started = time.perf_counter()
    first = await upload(client, record, "names clean to one", [("chaos a b.md", data)])
    record.case("upload 'chaos a b.md'", "202", got(first), started)
    await indexed(client, "chaos-a-b.md", 300)
    started = time.perf_counter()
    other, _, _ = article(1)
    clash = await upload(client, record, "names clean to one", [("chaos a?b.md", other)])
    record.case("upload 'chaos a?b.md' after it", "409", got(clash), started)

    data, _, _ = article(2, date="2024-13")
    started = time.perf_counter()
    dated = await upload(client, record, "dated 2024-13", [("chaos-2024-13.md", data)])
    record.case("upload dated 2024-13", "202", got(dated), started)
    await indexed(client, "chaos-2024-13.md", 300)
    started = time.perf_counter()
    admin = await client.get("/admin", headers=HTML)
    record.case("GET /admin (month chart) after it", "200", got(admin), started)

    started = time.perf_counter()
    big = await upload(client, record, "long article", [("chaos-long.md", long_article(long))])
    record.case(f"upload of {long:,} sentences", "202", got(big), started)
    busy = [
        upload(client, record, "busy", [(f"chaos-busy-{n}.md", article(3 + n)[0])])
        for n in range(4)
    ]
    started = time.perf_counter()
    answers = await asyncio.gather(*busy)
    statuses = "/".join(got(response) for response in answers)
    # Whichever worker each reaches: the update runs in one of them (web/jobs.py).
    record.case("4 uploads while it is indexed", "409/409/409/409", statuses, started)

    started = time.perf_counter()
    huge = [("chaos-huge.md", b"# Too large\n\n" + b"word " * 2_100_000)]
    response = await upload(client, record, "too large", huge)
    record.case("upload of 10.5 MB", "413", got(response), started)
    ids = await indexed(client, "chaos-long.md", deadline - time.perf_counter())
    record.long_article = ids[0] if ids else None


async def feed(
    url: str, work: Path, deadline: float, long: int, record: Record
) -> tuple[int, float]:
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        uploading = asyncio.create_task(uploads_once(client, record, long, deadline))
        rounds = 0
        while time.perf_counter() < deadline:
            try:
                await round_of_requests(client, record, work)
            except httpx.HTTPError as error:  # a request on the worker killed: the next round
                record.cut[type(error).__name__] += 1
            rounds += 1
        started = time.perf_counter()
        await uploading  # the long article may still be indexing
        return rounds, time.perf_counter() - started


# --- before and after --------------------------------------------------------------------


async def answers(url: str, questions: list[str]) -> dict[str, tuple[str, str | None]]:
    """Each question's answer and the title of the article it quotes."""
    found: dict[str, tuple[str, str | None]] = {}
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        for question in questions:
            for _ in range(5):  # a worker just started may answer 503 while it loads
                response = await client.post("/ask", json={"question": question})
                if response.status_code == 200:
                    body = response.json()
                    quote = body.get("quote") or {}
                    found[question] = (body["answer"], quote.get("title"))
                    break
                await asyncio.sleep(2)
            else:
                found[question] = (f"HTTP {response.status_code}", None)
    return found


async def warm(url: str, clients: int) -> None:
    """Enough answers at once that every worker answers some."""
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        for _ in range(2):
            await asyncio.gather(
                *(
                    client.post("/ask", json={"question": QUESTIONS[n % len(QUESTIONS)]})
                    for n in range(clients)
                ),
                return_exceptions=True,
            )


async def listed(client: httpx.AsyncClient) -> dict[str, list[str]]:
    """Each live upload's name and the ids of its articles in the index."""
    try:
        listing = (await client.get("/admin/uploads", headers=ADMIN)).json()
        return {item["name"]: item["articles"] for item in listing["uploads"]}
    except (httpx.HTTPError, ValueError, KeyError):
        return {}


async def settle(client: httpx.AsyncClient, names: set[str], quiet: float) -> set[str]:
    """Wait until these uploads are indexed, or none more was for `quiet` s: those not."""
    waiting, calm_since = set(names), time.perf_counter()
    while waiting and time.perf_counter() - calm_since < quiet:
        found = await listed(client)
        done = {name for name in waiting if found.get(name)}
        if done:
            waiting -= done
            calm_since = time.perf_counter()
        await asyncio.sleep(1)
    return waiting


async def rebuild(client: httpx.AsyncClient, limit: float = 300) -> str:
    """POST /admin/rebuild once no update runs (409 meanwhile); its first answer."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        response = await client.post("/admin/rebuild", headers=ADMIN)
        if response.status_code != 409:
            return str(response.status_code)
        await asyncio.sleep(2)
    return "409 for 300 s"


async def losses(
    served: Served, record: Record, before: dict[str, tuple[str, str | None]]
) -> list[str]:
    """What the run lost, each said in a line; prints what needed the admin's rebuild."""
    lost: list[str] = []
    after = await answers(served.url, QUESTIONS)
    lost += [
        f"{q!r}: {before[q]} before, {after[q]} after" for q in QUESTIONS if after[q] != before[q]
    ]
    folder = served.work / "articles" / "uploads"
    accepted = [item for item in record.uploads if item.status == 202]
    async with httpx.AsyncClient(base_url=served.url, timeout=120) as client:
        unindexed = await settle(client, {item.saved for item in accepted}, quiet=60)
        if unindexed:  # an update that died with the killed worker: its files stay
            on_disk = sorted(name for name in unindexed if (folder / name).is_file())
            print(
                f"accepted, not indexed after the run: {sorted(unindexed)} (files kept in "
                f"uploads/: {on_disk}); POST /admin/rebuild: {await rebuild(client)}"
            )
            unindexed = await settle(client, unindexed, quiet=300)
        for item in accepted:
            if not (folder / item.saved).is_file():
                lost.append(f"upload {item.sent!r} ({item.case}): 202, file gone")
            elif item.saved in unindexed:
                lost.append(f"upload {item.sent!r} ({item.case}): 202, never indexed")
            elif item.question:
                answer = (await answers(served.url, [item.question]))[item.question]
                if answer[1] != item.title:
                    lost.append(f"upload {item.sent!r}: {item.question!r} → {answer}")
        for item in record.uploads:
            path = folder / item.saved
            if item.status == 202:
                continue
            if item.case == "names clean to one":  # the earlier file, kept as it was
                if b"Velmarix" not in (path.read_bytes() if path.exists() else b""):
                    lost.append(f"upload {item.sent!r} refused, but {item.saved} replaced")
            elif path.exists():
                lost.append(f"upload {item.sent!r} refused ({item.status}) but saved")
        for cid, turns in record.conversations.items():
            page = await client.get("/", params={"c": cid}, headers=HTML)
            shown = len(re.findall(r'id="turn-\d+"', page.text))
            if page.status_code != 200 or shown != turns:
                lost.append(f"conversation {cid}: {page.status_code}, {shown} of {turns} turns")
    return lost


def percentiles(latencies: list[float]) -> str:
    if len(latencies) < 2:
        return "too few answers for percentiles"
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return (
        f"p50 {cuts[49]:,.0f}  p95 {cuts[94]:,.0f}  p99 {cuts[98]:,.0f}  "
        f"max {max(latencies):,.0f} ms"
    )


async def run(args: argparse.Namespace) -> int:
    work = args.work.resolve()
    env = prepare(work, args.models_dir)
    served = start(work, env, args.port, args.workers)
    try:
        ready = await wait_ready(served, args.workers)
        print(f"server {served.url}, {args.workers} workers, ready in {ready:.0f} s", flush=True)
        await warm(served.url, args.clients)
        before = await answers(served.url, QUESTIONS)
        unanswered = [q for q, (_, title) in before.items() if title is None]
        mb_before, each_before = rss_mb(served.process.pid)
        print(f"RSS before: {mb_before:,.0f} MB ({each_before}); {load()}", flush=True)
        if unanswered:
            print(f"not found before the run (checked as is after): {unanswered}")

        record = Record(peak_mb=mb_before)
        started = time.perf_counter()
        deadline = started + args.duration
        limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
        async with httpx.AsyncClient(base_url=served.url, timeout=120, limits=limits) as client:
            tasks = [
                *(
                    client_loop(client, c, args.clients, deadline, record)
                    for c in range(args.clients)
                ),
                sample_memory(served.process.pid, deadline, record),
                kill_a_worker(served, started, 0.4 * args.duration, record),
            ]
            fed = asyncio.create_task(feed(served.url, work, deadline, args.long, record))
            await asyncio.gather(*tasks)
            took = time.perf_counter() - started
            rounds, waited = await fed
        load_after = load()

        done, failed = len(record.latencies), sum(record.errors.values())
        detail = ", ".join(f"{k} {v}" for k, v in sorted(record.errors.items())) or "none"
        print(
            f"\n{args.clients} clients, {took:.0f} s: {done} answers ({done / took:.1f}/s), "
            f"{percentiles(record.latencies)}; errors {failed} ({detail}); {load_after}"
        )
        died = served.log.read_text(errors="replace").count("died")
        print(f"{record.killed}; worker processes that died in all: {died}")
        cut = ", ".join(f"{k} {v}" for k, v in sorted(record.cut.items())) or "none"
        print(
            f"\nhostile cases ({rounds} rounds, the uploads' ending {waited:.0f} s after the "
            f"run; requests of a round cut by the kill: {cut}):"
        )
        seen: dict[tuple[str, str, str], list[float]] = {}
        for name, want, said, ms in record.cases:
            seen.setdefault((name, want, said), []).append(ms)
        mismatched = 0
        for (name, want, said), times in seen.items():
            same = said == want
            mismatched += 0 if same else len(times)
            print(
                f"  {'ok ' if same else 'NO '} {name}: {said} (want {want}), "
                f"×{len(times)}, median {statistics.median(times):,.0f} ms"
            )

        await warm(served.url, args.clients)
        await asyncio.sleep(5)
        mb_after, each_after = rss_mb(served.process.pid)
        change = (mb_after - mb_before) / mb_before * 100
        print(
            f"\nRSS before {mb_before:,.0f} MB, peak {record.peak_mb:,.0f} MB, after "
            f"{mb_after:,.0f} MB ({change:+.1f} %; {each_after})"
        )
        lost = await losses(served, record, before)
        kept = sum(1 for u in record.uploads if u.status == 202)
        print(
            f"checked after: {len(QUESTIONS)} corpus questions, {kept} accepted and "
            f"{len(record.uploads) - kept} refused uploads, "
            f"{len(record.conversations)} conversations"
        )
        print("nothing lost" if not lost else "LOST:\n  " + "\n  ".join(lost))
        bugs = served.log.read_text(errors="replace").count(") failed")
        print(
            f"internal errors logged (500 with a request id): {bugs}; mismatched cases: "
            f"{mismatched}; server log {served.log}"
        )
        return 1 if lost or mismatched else 0
    finally:
        stop(served)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="`qa serve --workers`")
    parser.add_argument("--long", type=int, default=2_000, help="sentences of the long article")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--models-dir", type=Path, default=ROOT / "data/models")
    parser.add_argument("--work", type=Path, default=ROOT / "bench/out/chaos")
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
