from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Pages of 20 rows (page_size up to 100): two queries per list, the count and the page."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    page_query_description = "页码，从 1 开始"
    page_size_query_description = "每页条数（最多 100）"
