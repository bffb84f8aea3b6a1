// Package bench measures zoo-dev side by side with the tools its users would
// otherwise run: nginx in front of the same FastCGI workers, gunicorn, uWSGI,
// Flask's and Django's dev servers: throughput and latency (wrk), server CPU per
// request and idle memory over each server's process tree, cold start, reload and
// log-stream costs. It is run by `make bench` (ZOO_BENCH=1) and prints Markdown
// tables with medians, min–max and ratios against the reference measured in the same run. Without ZOO_BENCH=1 every test skips.
package bench
