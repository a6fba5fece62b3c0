"""Server-rendered pages (Jinja2) under "/": buyer, seller centre, agent console, public
tracking; French by default, English by choice. ``garant.web.app.install`` mounts them on the
API's FastAPI application. How to add a page: docs/web.md."""
