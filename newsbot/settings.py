"""Scrapy settings for newsbot. Every newsbot setting is listed here once, with its default;
override any of them per run with ``-s NAME=value``."""

from scrapy.settings import default_settings as _scrapy_defaults

from newsbot.items import RECORD_FIELDS as _RECORD_FIELDS

BOT_NAME = "newsbot"
SPIDER_MODULES = ["newsbot.crawl.spiders"]
NEWSPIDER_MODULE = "newsbot.crawl.spiders"
COMMANDS_MODULE = "newsbot.crawl.commands"  # `scrapy crawl` with newsbot's exit codes (docs/operations.md, "Exit codes")

# --- newsbot ---------------------------------------------------------------------------
NEWSBOT_OUTPUT_DIR = "output"  # files go to {dir}/{site}/{profile}/, feeds to {dir}/feeds/
# The blog's posts folder (docs/blog.md): the hexo/jekyll posts go there, flat, and newsbot's
# own files stay in NEWSBOT_OUTPUT_DIR; a folder, or JSON {"hexo": folder, "jekyll": folder}.
NEWSBOT_POSTS_DIR = None
NEWSBOT_STATE = None  # SQLite file of written articles; default {NEWSBOT_OUTPUT_DIR}/.newsbot/state.sqlite
NEWSBOT_FORMAT = None  # output profiles, e.g. "hexo" or "hexo,text"; default: the site's own
NEWSBOT_PROFILE_OPTIONS = {}  # override a site's profile options, e.g. {"blog": "nankai.info"}
NEWSBOT_COLUMNS = None  # columns to crawl, e.g. "ywsd,mtnk"; same as -a columns=
NEWSBOT_REPLAY_DIR = None  # serve every request from saved pages in this directory (no network)
NEWSBOT_CHINESE = None  # OpenCC conversion of text, e.g. "t2s" or "s2t"; off by default
NEWSBOT_SITES_FILE = None  # another sites file (campus.yaml format) for the campus spider
# Who runs the crawl and where it publishes (docs/blog.md). A live crawl refuses to start
# until the contact (sent in the User-Agent, so site owners can reach whoever runs the
# crawl) and the blog its profiles need are set; replayed and loopback-only runs keep the
# seeds' blogs. An explicit USER_AGENT replaces the whole User-Agent.
NEWSBOT_CONTACT_URL = None
NEWSBOT_BLOG_NAME = None  # hexo: title suffix " | NAME" and first category (profile option "blog")
NEWSBOT_BLOG_URL = None  # jekyll: footer links and local image links (profile option "site")
# Mode of the files a crawl writes (articles, feed, state, reports), e.g. "0640"; default:
# what the umask allows (0644 typically), so a blog build running as another user can read them.
NEWSBOT_FILE_MODE = None
# A 429/503 answer's Retry-After is waited for (without holding up other requests) up to
# this many seconds; a longer one gives the request up for this run.
NEWSBOT_RETRY_AFTER_MAX = 300
# Download a host's pages from another address, e.g. a test server or a staging mirror:
# {"news.nankai.edu.cn": "http://127.0.0.1:8080"}. Only the download is redirected; URLs,
# robots.txt rules and article identity stay the real site's (newsbot/crawl/middlewares/hostmap.py).
NEWSBOT_HOST_MAP = {}
# Alarm (exit code 4, an ERROR in the log) when more than this share of the article pages
# read in a run lack a title, a date or a body: the site's layout has probably changed.
# A column whose first list page lists no article links always raises the alarm.
NEWSBOT_ALARM_MAX_BROKEN_SHARE = 0.2
# ... and only when at least this many new articles failed (one broken article is retried
# quietly, and raises the alarm once more only when it is given up on).
NEWSBOT_ALARM_MIN_FAILED = 2
# A failed article (download error, broken page, pipeline error) is tried again by later
# runs after these many hours (the last repeats), and given up on after this many attempts
# (`newsbot failed` lists them; `newsbot failed --requeue URL` tries again).
NEWSBOT_RETRY_BACKOFF_HOURS = [1, 4, 24, 72]
NEWSBOT_GIVE_UP_AFTER = 6
# Corrections (docs/crawling.md, "Corrections"; newsbot/crawl/revisits.py): articles published in the
# last NEWSBOT_REVISIT_DAYS days are fetched again by later runs, conditionally (ETag,
# Last-Modified), at most NEWSBOT_REVISIT_MAX per run and each at most every
# NEWSBOT_REVISIT_INTERVAL_HOURS hours; a changed article is rewritten. 0 days: off.
NEWSBOT_REVISIT_DAYS = 3
NEWSBOT_REVISIT_MAX = 10
NEWSBOT_REVISIT_INTERVAL_HOURS = 6
# Articles whose files are fsynced, marked written and appended to the feed together.
NEWSBOT_WRITE_BATCH = 32
# Worker processes that read and clean article pages (newsbot/crawl/workers.py): "auto" starts
# one per spare core once a run has many articles to fetch (a backfill); 0: none.
NEWSBOT_WORKERS = "auto"
# "local": download each article's body images beside its post (Hexo asset folder, Jekyll
# assets/) and refer to those; "remote": link to the site's images (newsbot/publish/images.py).
NEWSBOT_IMAGES = "remote"
NEWSBOT_IMAGES_MAX_BYTES = 10 * 1024 * 1024  # a bigger image is not downloaded (linked, counted)
# True: an http:// image link is written https:// when its site says the host serves both
# (Site.https_images; campus.yaml https_images): no mixed content on an https blog.
NEWSBOT_HTTPS_IMAGES = False
# "local": download the files each article attaches (.pdf, .doc(x), .xls(x), .zip, …) beside its
# post, where its local images go, and link those; "remote": link the site's (newsbot/publish/attachments.py).
NEWSBOT_ATTACHMENTS = "remote"
NEWSBOT_ATTACHMENTS_MAX_BYTES = 20 * 1024 * 1024  # a bigger file is not downloaded (linked, counted)
# Where {output}/feeds/ is served, e.g. https://blog.example.org/newsbot/feeds/: each Atom/RSS
# feed's rel="self" link (default: the feed's file name, relative to where it was fetched).
NEWSBOT_FEEDS_URL = None
NEWSBOT_FEED_ENTRIES = 50  # entries in each Atom/RSS feed, {dir}/feeds/{site}[-{column}].atom
# Seconds between two "progress:" log lines (written, failed, queued, rate, ETA); 0: none
# (newsbot/crawl/extensions/progress.py). On a terminal a progress bar shows the same.
NEWSBOT_PROGRESS_INTERVAL = 60
# Several workers, one crawl (docs/cluster.md, "Running on several machines"; newsbot/cluster/): a Redis URL such as
# redis://host:6379/2 makes this crawl a worker of the crawl shared there (and the state's
# default, NEWSBOT_STATE). DOWNLOAD_DELAY is then the interval per host across all workers.
NEWSBOT_CLUSTER = None
# The Redis password kept out of the URL (and so out of command lines, crontabs and scrapyd's
# job list): the first line of this file, e.g. /etc/newsbot/redis-password (mode 0600), with
# NEWSBOT_CLUSTER=redis://newsbot@host:6379/2. Default: the environment variable of this name.
NEWSBOT_REDIS_PASSWORD_FILE = None
NEWSBOT_CLUSTER_WORKER = None  # this worker's name (its lock, feed shard and report); default: the host name
NEWSBOT_CLUSTER_LEASE = 60  # seconds a killed worker's claims and lock outlive it
NEWSBOT_CLUSTER_FORGET_AFTER = 600  # seconds after the crawl's last new request the shared dupefilter is dropped
NEWSBOT_CLUSTER_HOST_INTERVAL = 0  # set from DOWNLOAD_DELAY by the cluster (not to be set by hand)

# --- politeness ---------------------------------------------------------------------------
# USER_AGENT: built at crawl start from NEWSBOT_CONTACT_URL (newsbot.crawl.addon.NewsbotAddon).
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_ENABLED = True
RETRY_TIMES = 3
# Between retries of one request: 1 s, 2 s, 4 s, ... (or the answer's Retry-After).
NEWSBOT_RETRY_BACKOFF = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # an article page is never 10 MiB; refuse what is
# Items processed at once per response. Scrapy's default (100) starts 100 asyncio tasks per
# response, which cost 17% of a backfill's CPU; an article page gives one item, and a list
# page none, so one is enough (5-7% less crawl CPU than 16 in an A/B of 5,000-article
# backfills of the simulated site; bench/crawl/run.py --set CONCURRENT_ITEMS=16 repeats it).
CONCURRENT_ITEMS = 1
# Image and attachment downloads (NEWSBOT_IMAGES/NEWSBOT_ATTACHMENTS=local) follow redirects (http -> https), on the site's
# hosts only like every request.
MEDIA_ALLOW_REDIRECTS = True
HTTPCACHE_ENABLED = False  # -s HTTPCACHE_ENABLED=1 while developing a site

# Articles arrive cleaned: the spider reads and cleans each page in one call
# (newsbot.extract.read_page), in a worker process on long runs.
ITEM_PIPELINES = {
    "newsbot.crawl.pipelines.PublishedDatePipeline": 200,
    "newsbot.crawl.pipelines.CanonicalUrlPipeline": 300,
    "newsbot.crawl.pipelines.DedupePipeline": 400,
    # (420: a cluster's write claim, newsbot.cluster.claims, before images are downloaded)
    "newsbot.crawl.pipelines.images.LocalImagesPipeline": 450,  # only with NEWSBOT_IMAGES=local
    "newsbot.crawl.pipelines.attachments.LocalAttachmentsPipeline": 460,  # only with NEWSBOT_ATTACHMENTS=local
    "newsbot.crawl.pipelines.write.WriteFilesPipeline": 500,
}
DOWNLOADER_MIDDLEWARES = {
    # Every request stays on the spider's sites' hosts, redirects and dont_filter ones too
    # (before Scrapy's own offsite check, 50, so an offsite request is always an OffsiteRequest).
    "newsbot.crawl.middlewares.politeness.SiteHostsMiddleware": 45,
    # Scrapy's own also drops offsite requests when they are scheduled (request_scheduled),
    # with no errback: a column whose first list page redirected to another host vanished
    # without an alarm. SiteHostsMiddleware refuses them all, through the errback.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    # robots.txt for every request (Scrapy's own lets all but the first two waiters through).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newsbot.crawl.middlewares.politeness.RobotsTxtMiddleware": 100,
    # Retry-After and backoff between retries.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newsbot.crawl.middlewares.politeness.PoliteRetryMiddleware": 550,
    # Last before the network: robots.txt, redirects and retries work on replayed pages too.
    "newsbot.crawl.middlewares.replay.ReplayMiddleware": 950,
    "newsbot.crawl.middlewares.hostmap.HostMapMiddleware": 960,
    # GBK pages with no or a wrong charset (newsbot/html/charset.py); before the redirect, retry
    # and robots.txt middlewares read the response.
    "newsbot.crawl.middlewares.charset.ChineseCharsetMiddleware": 900,
}

# Nothing listens on a port or leaves files outside the output: no telnet console, no
# remote-control server (Scrapy 2.19 starts one and writes a job file with its token).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

ADDONS = {
    "newsbot.crawl.addon.NewsbotAddon": 0,
}

# Scrapy's extensions that are off (above) are not even listed: Scrapy imports every listed
# extension, even one set to None, and the remote control's aiohttp is a tenth of a second
# of every run's start-up (an idle rerun takes a second). Switched on with -s, they are
# listed again (newsbot.crawl.addon.NewsbotAddon).
optional_extensions = {"TELNETCONSOLE_ENABLED": "scrapy.extensions.telnet.TelnetConsole",
                       "REMOTE_CONTROL_ENABLED": "scrapy.extensions.remote_control.RemoteControl"}
EXTENSIONS_BASE = {path: order for path, order in _scrapy_defaults.EXTENSIONS_BASE.items()
                   if path not in optional_extensions.values()}
EXTENSIONS = {
    "newsbot.crawl.extensions.report.RunReport": 500,
    "newsbot.crawl.extensions.publisher.Publisher": 600,  # feeds and index.html, after the run report
    "newsbot.crawl.extensions.progress.Progress": 700,  # a long run's progress lines (and bar)
}

# An output error (disk full, Redis gone) is logged once, not once per item in flight.
LOG_FORMATTER = "newsbot.crawl.logformatter.LogFormatter"
FEED_EXPORT_ENCODING = "utf-8"
# -o/-O feeds carry the JSONL record's fields, as the default feed does (not the body element,
# retry_reason or local_images that ride along on the item).
FEED_EXPORT_FIELDS = list(_RECORD_FIELDS)
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
LOG_DATEFORMAT = "%Y-%m-%d %H:%M:%S %z"  # in the sites' time, +0800 (newsbot.crawl.addon.log_in_site_time)
STATS_CLASS = "newsbot.crawl.stats.SiteTimeStats"  # its dump at the end of the log too
