"""gunicorn entry point: `gunicorn -c shared/preprocess/ocr/service/gunicorn_conf.py ocr.service.wsgi:app`."""
from . import create_app

app = create_app()
