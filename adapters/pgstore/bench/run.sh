#!/bin/sh
# Runs bench/transition.sql through pgbench and BenchmarkPGTransition
# against the same server, in adjacent pairs, at 1 and 8 clients.
#
#   adapters/pgstore/bench/run.sh postgres://postgres@127.0.0.1:5432 [reps] [seconds]
#
# The role needs CREATEDB: pgbench gets a fresh database "pgbench_oms" per
# run, the Go benchmark a fresh omstest_… database (via OMS_PG_DSN).
#
# PGSTORE_TESTS lists pgstore test binaries (go test -c) to run after each
# pgbench run instead of the tree's own, built here: an old and a new
# build, say, to compare them under the same load. On even repetitions
# they run in reverse order, so none always runs right after pgbench.
set -eu
base=${1:?usage: run.sh postgres://user@host:port [reps] [seconds]}
reps=${2:-3}
secs=${3:-10}
dir=$(cd "$(dirname "$0")" && pwd)
fresh() {
	psql -qX "$base/postgres" -c 'DROP DATABASE IF EXISTS pgbench_oms' -c 'CREATE DATABASE pgbench_oms' >/dev/null
	psql -qX -v ON_ERROR_STOP=1 "$base/pgbench_oms" -f "$dir/../migrations/0001_orders.sql" -f "$dir/setup.sql" >/dev/null
}
psql -qXAt "$base/postgres" -c "SELECT 'server: ' || version()" \
	-c "SELECT name || '=' || current_setting(name) FROM pg_settings WHERE name IN ('shared_buffers','fsync','synchronous_commit','full_page_writes','max_connections') ORDER BY name"
tests=${PGSTORE_TESTS:-}
if [ -z "$tests" ]; then
	cd "$dir/../../.."
	go test -c -o /tmp/pgstore-bench.test ./adapters/pgstore/
	tests=/tmp/pgstore-bench.test
fi
# Each pgbench run is followed at once by the Go run(s) at the same client
# count, so the two of a pair see the same background load.
for rep in $(seq "$reps"); do
	for c in 1 8; do
		fresh
		printf 'rep %s clients=%s pgbench ' "$rep" "$c"
		pgbench -n -M prepared -c "$c" -j "$((c < 2 ? 1 : 2))" -T "$secs" -f "$dir/transition.sql" "$base/pgbench_oms" 2>&1 | grep '^tps'
		order=$tests
		if [ $((rep % 2)) -eq 0 ]; then
			order=$(printf '%s\n' $tests | sed -n '1!G;h;$p')
		fi
		for bin in $order; do
			printf 'rep %s clients=%s go %s ' "$rep" "$c" "$bin"
			OMS_PG_DSN="$base/postgres?sslmode=disable" "$bin" -test.run '^$' \
				-test.bench "BenchmarkPGTransition/clients=$c\$" -test.benchtime "${secs}s" | grep '^Benchmark'
		done
	done
done
psql -qX "$base/postgres" -c 'DROP DATABASE IF EXISTS pgbench_oms' >/dev/null
