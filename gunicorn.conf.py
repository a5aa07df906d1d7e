"""gunicorn settings: each worker builds the PDF engine (fonts, CSS, templates) once after the fork."""


def post_fork(server, worker):
    import logging

    from reports.pdf import warm_up

    try:
        warm_up()  # no user pays the cold start of the first 处置表
    except Exception:  # the site must still serve pages when the PDF engine cannot start (it says why)
        logging.getLogger(__name__).exception("处置表 PDF 预热失败")
