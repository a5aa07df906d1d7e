"""gunicorn settings: each worker builds the PDF engine (fonts, CSS, templates) once it has loaded the app."""

import logging


def post_worker_init(worker):
    # After the fork *and* after Django is set up in this worker (post_fork runs before the app is loaded).
    try:
        from reports.pdf import warm_up

        warm_up()  # no user pays the cold start of the first 处置表
    except Exception:  # the site must still serve pages when the PDF engine cannot start (it says why)
        logging.getLogger(__name__).exception("处置表 PDF 预热失败")
