package io.multidb.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the rollout controls cost (issue 15), through the local runtime over HTTP: a fleet migration with no options
 * against the same with a canary of 10 and a verify query (alternating, median of 3 each), a job paused after its
 * canary and resumed at once, the quarantine policy with 3 failing children against the all-or-nothing job that
 * fails on them, and the repair that brings the 3 forward once fixed. Writes bench/results/rollout.{json,md}.
 * {@code bin/bench --rollout [N]} (default 1,000 children).
 */
public final class RolloutBench {
    static final int ROUNDS = 3;

    private RolloutBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.getInteger("bench.rollout.children", 1000);
        BenchRun bench = BenchRun.start();
        Path work = bench.work();
        Path out = bench.out();
        PrintStream log = System.out;
        ObjectNode results = bench.results();
        ObjectNode env = bench.environment();
        ArrayNode load = bench.load();
        env.put("children", n);
        try (BenchRuntime rt = BenchRuntime.start(work.resolve("data")); Api api = rt.admin()) {
            FleetBench fleet = new FleetBench(rt, work, log);
            fleet.setUp();
            String parent = "roll";
            log.printf("rollout: %d children x %d rows%n", n, FleetBench.ROWS);
            fleet.createFamily(parent, n);
            Jobs jobs = new Jobs(api, parent);

            double[] plain = new double[ROUNDS];
            double[] canary = new double[ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                plain[r] = jobs.run(body("ALTER TABLE items ADD COLUMN p" + r + " TEXT"), "succeeded");
                ObjectNode c = body("ALTER TABLE items ADD COLUMN q" + r + " TEXT");
                c.put("canary", 10).put("verify", "SELECT count(*) = 0 FROM items WHERE q" + r + " IS NOT NULL");
                canary[r] = jobs.run(c, "succeeded");
                log.printf("  round %d: plain %.0f ms, canary 10 + verify %.0f ms%n", r + 1, plain[r], canary[r]);
            }
            ObjectNode rollout = results.putObject("canary");
            rollout.put("plain_ms_median", Stats.round(Stats.median(plain), 0));
            rollout.put("canary_ms_median", Stats.round(Stats.median(canary), 0));
            rollout.put("ratio", Stats.round(Stats.median(canary) / Stats.median(plain), 2));
            rollout.set("plain_ms", array(plain));
            rollout.set("canary_ms", array(canary));
            load.add(Bench.loadNote("after canary rounds"));

            // Paused, then resumed as soon as it says paused: the time a person's resume costs on top.
            ObjectNode p = body("ALTER TABLE items ADD COLUMN z TEXT");
            p.put("canary", 10).put("pause_after_canary", true);
            long t0 = System.nanoTime();
            JsonNode started = api.call("POST", jobs.path(), p);
            String id = started.get("job_id").asText();
            JsonNode j = started;
            while (!j.get("status").asText().equals("paused")) {
                Thread.sleep(50);
                j = api.call("GET", jobs.path() + "/" + id, null);
            }
            double pausedAt = (System.nanoTime() - t0) / 1e6;
            api.call("POST", jobs.path() + "/" + id + "/resume", null);
            double resumedAt = (System.nanoTime() - t0) / 1e6;
            j = jobs.await(id);
            double endedAt = (System.nanoTime() - t0) / 1e6;
            ObjectNode pause = results.putObject("pause");
            pause.put("status", j.get("status").asText());
            pause.put("paused_after_ms", Stats.round(pausedAt, 0));
            pause.put("resume_to_end_ms", Stats.round(endedAt - resumedAt, 0));
            pause.put("total_ms", Stats.round(endedAt, 0));
            log.printf("  pause: paused after %.0f ms, resume to end %.0f ms%n", pausedAt, endedAt - resumedAt);

            // Three children whose rows break a UNIQUE index: near the start, the middle and the end.
            List<Integer> broken = List.of(n / 100, n / 2, n - 10);
            jobs.run(body("ALTER TABLE items ADD COLUMN code TEXT"), "succeeded");
            for (int b : broken) {
                api.execute(FleetBench.childName(parent, b), "UPDATE items SET code = 'same' WHERE id <= 2");
            }
            String unique = "CREATE UNIQUE INDEX items_code ON items(code)";
            double allOrNothing = jobs.run(body(unique), "failed");
            double quarantine = jobs.run(body(unique).put("on_child_failure", "quarantine"), "succeeded_with_quarantine");
            for (int b : broken) {
                api.execute(FleetBench.childName(parent, b), "UPDATE items SET code = NULL");
            }
            long r0 = System.nanoTime();
            JsonNode rep = api.call("POST", "/v1/organizations/" + BenchRuntime.ORG + "/databases/" + parent
                    + "/drift/repair", Api.JSON.createObjectNode().put("wait", 25));
            JsonNode repaired = jobs.await(rep.get("job_id").asText());
            double repair = (System.nanoTime() - r0) / 1e6;
            if (!repaired.get("status").asText().equals("succeeded")) {
                throw new IllegalStateException("the repair did not succeed: " + repaired);
            }
            ObjectNode q = results.putObject("quarantine");
            q.put("failing_children", broken.size());
            q.put("all_or_nothing_failed_ms", Stats.round(allOrNothing, 0));
            q.put("quarantine_ms", Stats.round(quarantine, 0));
            q.put("repair_of_3_ms", Stats.round(repair, 0));
            log.printf("  quarantine: all-or-nothing fails in %.0f ms; quarantine %.0f ms; repair of 3 %.0f ms%n",
                    allOrNothing, quarantine, repair);
            load.add(Bench.loadNote("end"));
        }
        Files.writeString(out.resolve("rollout.json"), Api.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results));
        Files.writeString(out.resolve("rollout.md"), markdown(results));
        log.println(markdown(results));
    }

    private static ObjectNode body(String sql) {
        return Api.JSON.createObjectNode().put("sql", sql);
    }

    private static ArrayNode array(double[] values) {
        ArrayNode a = Api.JSON.createArrayNode();
        for (double v : values) {
            a.add(Stats.round(v, 0));
        }
        return a;
    }

    static String markdown(JsonNode r) {
        JsonNode c = r.get("canary");
        JsonNode p = r.get("pause");
        JsonNode q = r.get("quarantine");
        return "# Rollout controls: what they cost\n\n"
                + "`bin/bench --rollout " + r.at("/environment/children").asInt() + "` on " + r.at("/environment/date").asText()
                + ", " + r.at("/environment/cores").asInt() + " cores, load " + r.at("/environment/load_average") + ".\n"
                + "Wall time from the start request to the job's end, as a client polling every 50 ms sees it.\n\n"
                + "| scenario | result |\n|---|---|\n"
                + "| ADD COLUMN, no options (median of " + ROUNDS + ") | " + c.get("plain_ms_median").asInt() + " ms |\n"
                + "| the same with `canary: 10` and a verify query (alternating, median of " + ROUNDS + ") | "
                + c.get("canary_ms_median").asInt() + " ms (" + c.get("ratio").asDouble() + "x) |\n"
                + "| `pause_after_canary`: paused after | " + p.get("paused_after_ms").asInt() + " ms; resume to end "
                + p.get("resume_to_end_ms").asInt() + " ms |\n"
                + "| CREATE UNIQUE INDEX, 3 children break it, all or nothing | failed (dry-run) in "
                + q.get("all_or_nothing_failed_ms").asInt() + " ms |\n"
                + "| the same with `on_child_failure: quarantine` | succeeded_with_quarantine in "
                + q.get("quarantine_ms").asInt() + " ms |\n"
                + "| repair of the 3 once fixed (`POST .../drift/repair`) | " + q.get("repair_of_3_ms").asInt() + " ms |\n";
    }

    /** Starts jobs and waits for them like a client. */
    private record Jobs(Api api, String parent) {
        String path() {
            return "/v1/organizations/" + BenchRuntime.ORG + "/databases/" + parent + "/migrations";
        }

        double run(ObjectNode body, String expected) throws InterruptedException {
            long t0 = System.nanoTime();
            JsonNode job = api.call("POST", path(), body.put("wait", 25));
            job = await(job.get("job_id").asText());
            double ms = (System.nanoTime() - t0) / 1e6;
            if (!job.get("status").asText().equals(expected)) {
                throw new IllegalStateException("expected " + expected + ": " + job);
            }
            return ms;
        }

        JsonNode await(String id) throws InterruptedException {
            while (true) {
                JsonNode job = api.call("GET", path() + "/" + id, null);
                if (!FleetBench.isRunning(job.get("status").asText())) {
                    return job;
                }
                Thread.sleep(50);
            }
        }
    }
}
