FROM python:3.11-slim
WORKDIR /srv/liveq
COPY pyproject.toml README.md ./
COPY app app
COPY collectors collectors
COPY models models
COPY migrations migrations
COPY kit kit
COPY fakes fakes
RUN pip install --no-cache-dir .
USER nobody
EXPOSE 8000
CMD ["liveq", "serve", "--host", "0.0.0.0", "--port", "8000"]
