"""Background jobs (后台任务): long work off the web request, with a progress bar.

An Excel import of thousands of rows, a work summary's PDF, a table of many units: the page hands the
work to :func:`jiceng.jobs.actions.start_job` and shows the job's page, which polls its progress
(htmx) and, when done, the result to download or the errors in Chinese. The work runs in the worker
(``jiceng db_worker``, Django's tasks API through the ``django-tasks`` backport and its database
backend: no Redis, the same on SQLite and PostgreSQL). A user sees only their own jobs.
"""
