"""Web pages for overseers and auditors, with verification in the browser (DESIGN §8, issue 6).

`router` holds the pages (registered on the app like the API's routers); `install(app)` answers
errors of pages with pages. Templates, i18n and the browser's verifier (static/tlog.js) live here.
"""

from api.web.errors import install
from api.web.pages import router

__all__ = ["install", "router"]
