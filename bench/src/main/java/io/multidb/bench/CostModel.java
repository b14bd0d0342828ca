package io.multidb.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Scenario 4, scale on paper: the time and the cost of migrating N children on AWS with the batch size and concurrency
 * the ASL uses, fed by the per-child figures measured in scenario 1. Writes docs/cost-model.md (formula, inputs with
 * their sources, result, and the knobs). Every AWS-side figure that is assumed rather than measured or published is
 * named as an assumption.
 */
final class CostModel {
    // ---------------------------------------------------------------------------------- prices (us-east-1, cited)
    static final double SFN_PER_TRANSITION = 0.025 / 1000;
    static final double LAMBDA_ARM_PER_GB_S = 0.0000133334;
    static final double LAMBDA_PER_REQUEST = 0.20 / 1_000_000;
    static final double DDB_PER_WRU = 0.625 / 1_000_000;
    static final double DDB_PER_RRU = 0.125 / 1_000_000;
    static final double EFS_READ_PER_GB = 0.03;
    static final double EFS_WRITE_PER_GB = 0.06;
    static final double GIB = 1024.0 * 1024 * 1024;
    /** Elastic throughput meters a data operation as at least 32 KiB and a metadata operation as at least 4 KiB. */
    static final double EFS_MIN_DATA_OP = 32 * 1024;
    static final double EFS_MIN_METADATA_OP = 4 * 1024;

    // ---------------------------------------------------------------------------------- assumptions (not measured)
    /** EFS Regional, Elastic: per-operation latency, reads and writes (the EFS performance table). */
    static final double EFS_READ_MS = 1.0;
    static final double EFS_WRITE_MS = 2.7;
    /** A DynamoDB call from a Lambda in the same Region through the gateway endpoint (assumed typical). */
    static final double DDB_CALL_MS = 5.0;
    /** Step Functions scheduling a Map iteration and invoking a warm Lambda (assumed). */
    static final double ITERATION_OVERHEAD_S = 0.1;
    /**
     * NFS round trips of one child's dry-run: open (OPEN, GETATTR, hot-journal check), the transaction's locks
     * (LOCK x3, LOCKU x2), reading the table (READ x2), the journal (OPEN, WRITE, REMOVE), close. Reads: 11, writes: 3.
     */
    static final int DRY_RUN_READ_OPS = 11;
    static final int DRY_RUN_WRITE_OPS = 3;
    /**
     * The apply: open and lock as above (8 reads), the copy (a second open, READ x2, create, WRITE, COMMIT, RENAME:
     * 4 reads, 4 writes), the migration's commit (journal OPEN, WRITE, COMMIT, directory sync, page WRITEs, COMMIT,
     * REMOVE: 7 writes), unlock and close (3 reads). Reads: 15, writes: 11.
     */
    static final int APPLY_READ_OPS = 15;
    static final int APPLY_WRITE_OPS = 11;
    /** Data writes (each metered as at least 32 KiB) per child: dry-run journal, copy, journal, ~2 page runs. */
    static final int DATA_WRITE_OPS = 5;
    /** Full reads of the file per child: the dry-run, the copy, the apply (a cold NFS cache each time). */
    static final int FULL_READS = 3;

    /** What scenario 1 measured, per child (from the largest family). */
    record Measured(int n, long fileBytes, double cpuDryMs, double cpuApplyMs, double cpuPrepareMs, double cpuReleaseMs,
                    double wru, double rru, double workflowCalls, double localWriteBytes, int transitions,
                    int batches) {
        static Measured from(JsonNode fleet) {
            int n = fleet.get("n").asInt();
            JsonNode ph = fleet.get("phases");
            double wru = 0;
            double rru = 0;
            double calls = 0;
            for (var e : fleet.get("sdk_calls").properties()) {
                if (e.getKey().startsWith("workflow ") && e.getKey().contains("DynamoDb.")) {
                    wru += e.getValue().get("write_units").asDouble();
                    rru += e.getValue().get("read_units").asDouble();
                    calls += e.getValue().get("calls").asDouble();
                }
            }
            return new Measured(n, fleet.get("create").get("file_bytes").asLong(),
                    cpu(ph, "Dry-run on the children") / n, cpu(ph, "Apply to the children") / n,
                    cpu(ph, "Prepare the migration") / n, cpu(ph, "Release the family (succeeded)") / n,
                    wru / n, rru / n, calls / n, fleet.get("disk_write_bytes").asDouble() / n,
                    ph.get("state_transitions").asInt(), fleet.get("batches").asInt());
        }

        private static double cpu(JsonNode phases, String name) {
            return phases.path(name).path("jvm_cpu_ms").asDouble(0);
        }
    }

    /** The settings a deployment can change. */
    record Knobs(String name, int children, int maxConcurrency, int batchParallelism, int memoryMb,
                 boolean elasticThroughput, int copyRemovalThreads) {
    }

    record Result(Knobs knobs, int batchSize, int batches, double prepareS, double dryRunS, double applyS,
                  double finishS, double totalS, double lambdaGbS, long lambdaRequests, long transitions,
                  double sfnCost, double lambdaCost, double ddbCost, double efsCost, double efsReadGiB,
                  double efsWriteGiB) {
        double totalCost() {
            return sfnCost + lambdaCost + ddbCost + efsCost;
        }
    }

    static Knobs baseline(int children) {
        // The ASL's and MigrationOptions' defaults, infra's memory and throughput mode; SqliteCopies' removal threads.
        return new Knobs("as deployed (max_concurrency 10)", children, 10, 4, 1769, true, 16);
    }

    static Result compute(Measured m, Knobs k) {
        int n = k.children();
        int batchSize = Math.max(25, (n + 499) / 500);
        int batches = (n + batchSize - 1) / batchSize;
        double vcpu = k.memoryMb() / 1769.0;
        double gb = k.memoryMb() / 1024.0;
        int waves = (batches + k.maxConcurrency() - 1) / k.maxConcurrency();

        // One batch: CPU does not overlap beyond the vCPUs; waits (EFS, DynamoDB) overlap across the batch's threads.
        double dryWaitMs = DRY_RUN_READ_OPS * EFS_READ_MS + DRY_RUN_WRITE_OPS * EFS_WRITE_MS;
        double applyWaitMs = APPLY_READ_OPS * EFS_READ_MS + APPLY_WRITE_OPS * EFS_WRITE_MS + 2 * DDB_CALL_MS;
        double batchCallsMs = (2 + Math.ceil(batchSize / 100.0) + Math.ceil(batchSize / 25.0)) * DDB_CALL_MS;
        double dryBatchS = (Math.max(batchSize * m.cpuDryMs() / vcpu,
                batchSize * (m.cpuDryMs() + dryWaitMs) / k.batchParallelism()) + batchCallsMs) / 1000;
        double applyBatchS = (Math.max(batchSize * m.cpuApplyMs() / vcpu,
                batchSize * (m.cpuApplyMs() + applyWaitMs) / k.batchParallelism()) + batchCallsMs) / 1000;
        double dryRunS = waves * (dryBatchS + ITERATION_OVERHEAD_S);
        double applyS = waves * (applyBatchS + ITERATION_OVERHEAD_S);

        // Prepare lists the children (BatchGetItem of 100) and writes two items per child (BatchWriteItem of 25),
        // one call after another.
        double prepareCalls = Math.ceil(n / 100.0) + 2 * Math.ceil(n / 25.0) + Math.ceil(n / 5000.0) + 6;
        double prepareS = (n * m.cpuPrepareMs() / vcpu + prepareCalls * DDB_CALL_MS) / 1000;
        // Finish removes each child's copy (one REMOVE each) and releases the lock.
        double finishS = (n * EFS_WRITE_MS / k.copyRemovalThreads() + n * m.cpuReleaseMs() / vcpu + 5 * DDB_CALL_MS) / 1000;
        double parentsS = 2 * ((dryWaitMs + applyWaitMs) / 1000 + ITERATION_OVERHEAD_S);
        double totalS = prepareS + dryRunS + applyS + parentsS + finishS + 0.5;

        double lambdaS = prepareS + batches * (dryBatchS + applyBatchS) + parentsS + finishS;
        double lambdaGbS = lambdaS * gb;
        long requests = 2L * batches + 5;
        long transitions = 8 + 2L * batches;

        double readBytes = n * (FULL_READS * (double) m.fileBytes()
                + (DRY_RUN_READ_OPS + APPLY_READ_OPS) * EFS_MIN_METADATA_OP);
        double writeBytes = n * Math.max(m.localWriteBytes(), m.fileBytes() + DATA_WRITE_OPS * EFS_MIN_DATA_OP)
                + n * (DRY_RUN_WRITE_OPS + APPLY_WRITE_OPS + 1 - DATA_WRITE_OPS) * EFS_MIN_METADATA_OP;
        double efsCost = k.elasticThroughput()
                ? readBytes / GIB * EFS_READ_PER_GB + writeBytes / GIB * EFS_WRITE_PER_GB : 0;
        return new Result(k, batchSize, batches, prepareS, dryRunS, applyS, finishS, totalS, lambdaGbS, requests,
                transitions, transitions * SFN_PER_TRANSITION,
                lambdaGbS * LAMBDA_ARM_PER_GB_S + requests * LAMBDA_PER_REQUEST,
                n * (m.wru() * DDB_PER_WRU + m.rru() * DDB_PER_RRU), efsCost, readBytes / GIB, writeBytes / GIB);
    }

    /** The baseline and one change at a time; the last row combines the two time knobs a caller can set. */
    static List<Result> scenarios(Measured m, int children) {
        int n = children;
        List<Result> out = new ArrayList<>();
        out.add(compute(m, baseline(n)));
        out.add(compute(m, new Knobs("max_concurrency 40 (the ASL's maximum)", n, 40, 4, 1769, true, 16)));
        out.add(compute(m, new Knobs("batch parallelism 16 (MigrationOptions)", n, 10, 16, 1769, true, 16)));
        out.add(compute(m, new Knobs("task memory 3538 MB (2 vCPU)", n, 10, 4, 3538, true, 16)));
        out.add(compute(m, new Knobs("copies removed one by one (before this change)", n, 10, 4, 1769, true, 1)));
        out.add(compute(m, new Knobs("EFS Bursting instead of Elastic throughput", n, 10, 4, 1769, false, 16)));
        out.add(compute(m, new Knobs("max_concurrency 40 + batch parallelism 16", n, 40, 16, 1769, true, 16)));
        return out;
    }

    static ObjectNode json(Measured m, List<Result> results) {
        ObjectNode out = Api.JSON.createObjectNode();
        out.set("measured", Api.JSON.valueToTree(m));
        var arr = out.putArray("scenarios");
        for (Result r : results) {
            ObjectNode n = arr.addObject();
            n.put("knobs", r.knobs().name());
            n.put("children", r.knobs().children());
            n.put("batch_size", r.batchSize());
            n.put("batches", r.batches());
            n.put("total_s", Stats.round(r.totalS(), 0));
            n.put("prepare_s", Stats.round(r.prepareS(), 1));
            n.put("dry_run_s", Stats.round(r.dryRunS(), 1));
            n.put("apply_s", Stats.round(r.applyS(), 1));
            n.put("finish_s", Stats.round(r.finishS(), 1));
            n.put("lambda_gb_s", Stats.round(r.lambdaGbS(), 0));
            n.put("transitions", r.transitions());
            n.put("cost_usd", Stats.round(r.totalCost(), 3));
            n.put("sfn_usd", Stats.round(r.sfnCost(), 4));
            n.put("lambda_usd", Stats.round(r.lambdaCost(), 4));
            n.put("dynamodb_usd", Stats.round(r.ddbCost(), 4));
            n.put("efs_usd", Stats.round(r.efsCost(), 4));
        }
        return out;
    }

    private static String f(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }

    /** docs/cost-model.md, from the measured inputs of this run. */
    static String markdown(Measured m, List<Result> results, String runNote) {
        Result b = results.get(0);
        int n = b.knobs().children();
        StringBuilder s = new StringBuilder();
        s.append("# What migrating 100,000 children costs on AWS, and how long it takes\n\n");
        s.append("Generated by `bin/bench` (").append(runNote).append(") from the per-child figures scenario 1 measured on the\n")
                .append("local runtime, the batch size and concurrency `statemachines/schema-migration.asl.json` and\n")
                .append("`MigrationOptions` use, the functions' settings in `infra/`, and AWS's public us-east-1 prices. It is a model:\n")
                .append("the local runtime has no EFS and no real DynamoDB, so the AWS-side latencies and the EFS metering per\n")
                .append("child are stated assumptions (marked *assumed*), and they carry most of the uncertainty.\n\n");

        s.append("## Result\n\n");
        s.append(f("**%,d children, as deployed (batches of %d, %d batches, max_concurrency 10, 4 databases at once per "
                        + "batch, 1769 MB arm64): about %.0f s (%.1f min) and $%.2f per migration.**\n\n",
                n, b.batchSize(), b.batches(), b.totalS(), b.totalS() / 60, b.totalCost()));
        s.append("| | time (s) | cost (USD) |\n|---|---:|---:|\n");
        s.append(f("| Prepare (list children, write %,d task items) | %.0f | |\n", 2 * n, b.prepareS()));
        s.append(f("| Dry-run Map (%d waves of %d batches) | %.0f | |\n",
                (b.batches() + 9) / 10, Math.min(10, b.batches()), b.dryRunS()));
        s.append(f("| Apply Map (copy, migrate, record) | %.0f | |\n", b.applyS()));
        s.append(f("| Finish (remove %,d copies with %d threads, release) | %.0f | |\n", n,
                b.knobs().copyRemovalThreads(), b.finishS()));
        s.append(f("| Step Functions: %,d state transitions | | %.4f |\n", b.transitions(), b.sfnCost()));
        s.append(f("| Lambda: %,.0f GB-s + %,d requests | | %.4f |\n", b.lambdaGbS(), b.lambdaRequests(), b.lambdaCost()));
        s.append(f("| DynamoDB: %,.0f write units + %,.0f read units | | %.4f |\n", n * m.wru(), n * m.rru(), b.ddbCost()));
        s.append(f("| EFS Elastic throughput: %.1f GiB read + %.1f GiB written (*assumed* metering) | | %.4f |\n",
                b.efsReadGiB(), b.efsWriteGiB(), b.efsCost()));
        s.append(f("| **total** | **%.0f** | **%.3f** |\n\n", b.totalS(), b.totalCost()));
        s.append("Targets (issue 7): ≤ 5 minutes and ≤ $0.50. ");
        s.append(b.totalS() <= 300 ? "Time: met as deployed. " : "Time: not met as deployed (see the knobs). ");
        s.append(b.totalCost() <= 0.5 ? "Cost: met.\n\n" : "Cost: not met; EFS I/O and DynamoDB writes dominate (see the knobs).\n\n");

        s.append("## Which knob moves it most\n\n");
        s.append("One change at a time from the deployed settings (the last row combines the two time knobs):\n\n");
        s.append("| change | time (s) | cost (USD) | Lambda GB-s | EFS | DynamoDB |\n|---|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            s.append(f("| %s | %.0f | %.3f | %,.0f | %.3f | %.3f |\n", r.knobs().name(), r.totalS(), r.totalCost(),
                    r.lambdaGbS(), r.efsCost(), r.ddbCost()));
        }
        s.append("\n");
        // The single changes (not the combined last row), ranked by what they save against the baseline.
        List<Result> single = results.subList(1, results.size() - 1);
        Result bestTime = single.stream().min(java.util.Comparator.comparingDouble(Result::totalS)).orElseThrow();
        Result bestCost = single.stream().min(java.util.Comparator.comparingDouble(Result::totalCost)).orElseThrow();
        Result combined = results.get(results.size() - 1);
        s.append(f("- **Time: %s** (%.0f s → %.0f s). ", bestTime.knobs().name(), b.totalS(), bestTime.totalS()));
        s.append(f("The two Maps run `ceil(batches / max_concurrency)` waves one after another, so `max_concurrency` "
                        + "(a per-job setting: `POST .../migrations {\"max_concurrency\": 40}`) divides them at the same "
                        + "GB-seconds, and batch parallelism overlaps each batch's EFS and DynamoDB waits. With both: about "
                        + "%.0f s. What stays serial is prepare (%.0f s as modelled: %,.0f DynamoDB calls one after "
                        + "another, and the task items' CPU) — parallel BatchWriteItem calls there are the next lever "
                        + "(not made: nothing here can measure DynamoDB) — and finish (%.0f s: %,d copies removed by %d "
                        + "threads; one by one it was %.0f s).\n",
                combined.totalS(), b.prepareS(), Math.ceil(n / 100.0) + 2 * Math.ceil(n / 25.0), b.finishS(), n,
                b.knobs().copyRemovalThreads(), results.stream().filter(r -> r.knobs().copyRemovalThreads() == 1)
                        .findFirst().map(Result::finishS).orElse(b.finishS())));
        s.append(f("- **Cost: %s** ($%.2f → $%.2f). ", bestCost.knobs().name(), b.totalCost(), bestCost.totalCost()));
        s.append("Every child is read about three times (dry-run, copy, apply) and written about twice (its copy, the "
                + "migration), and Elastic throughput meters each data operation as at least 32 KiB and each metadata "
                + "operation (open, lock, remove) as at least 4 KiB. Bursting throughput has no per-GB charge, but it trades "
                + "the charge for time: a file system this small bursts at about 100 MiB/s while its credits last "
                + f("(the EFS performance page), and %.0f GiB take at least %.0f minutes at that rate, more than the "
                + "whole migration as modelled; Provisioned throughput is billed per MiB/s-month instead. ",
                b.efsReadGiB() + b.efsWriteGiB(), (b.efsReadGiB() + b.efsWriteGiB()) * 1024 / 100 / 60)
                + "Short of that, a smaller footprint per child (no separate dry-run pass, a copy of only the pages the "
                + "migration changes) is the design lever. Next come DynamoDB's writes: about "
                + f("%.1f", m.wru()) + " write units per child (prepare's task and batch-member items, the dry-run and "
                + "apply outcomes, the child's schema version); Step Functions and Lambda are cents.\n\n");

        s.append("## Formula\n\n```\n");
        s.append("batch_size  = max(25, ceil(N / 500))          batches B = ceil(N / batch_size)       (MigrationOptions)\n");
        s.append("waves       = ceil(B / max_concurrency)                                              (ASL MaxConcurrencyPath)\n");
        s.append("vcpu        = memory_mb / 1769                                                       (Lambda: 1 vCPU at 1769 MB)\n");
        s.append("batch_time  = max(batch_size * cpu_child / vcpu,\n");
        s.append("                  batch_size * (cpu_child + wait_child) / parallelism) + batch_calls * t_ddb\n");
        s.append("wait_child  = reads * t_efs_read + writes * t_efs_write (+ 2 * t_ddb for the apply: job check, version)\n");
        s.append("map_time    = waves * (batch_time + t_iteration)           for the dry-run Map and the apply Map\n");
        s.append("prepare     = N * cpu_prepare + (N/100 + 2N/25) * t_ddb   (BatchGetItem of 100, BatchWriteItem of 25)\n");
        s.append("finish      = N * t_efs_write / removal_threads           (one REMOVE per copy)\n");
        s.append("time        = prepare + dry-run map + apply map + 2 parent steps + finish\n");
        s.append("transitions = 8 + 2B   (Prepare, parent dry-run, 2 Maps, parent apply, Release, Choice, Succeed + one Task per iteration)\n");
        s.append("GB-s        = memory_gb * (prepare + B * (dry batch_time + apply batch_time) + parents + finish)\n");
        s.append("lambda_reqs = 2B + 5\n");
        s.append("dynamodb    = N * (wru_child * $/WRU + rru_child * $/RRU)\n");
        s.append("efs_read    = N * (3 * file_size + (read ops) * 4 KiB)\n");
        s.append("efs_write   = N * (max(measured bytes, file_size + 5 * 32 KiB) + (other write ops) * 4 KiB)\n");
        s.append("cost        = transitions * $/transition + GB-s * $/GB-s + reqs * $/req + dynamodb + efs_read * $/GB + efs_write * $/GB\n");
        s.append("```\n\n");

        s.append("## Inputs\n\n");
        s.append(f("Measured by scenario 1 (N = %,d, 1,000 rows per child, file %,d bytes), per child:\n\n", m.n(), m.fileBytes()));
        s.append("| input | value | how |\n|---|---:|---|\n");
        s.append(f("| cpu_child, dry-run | %.2f ms | the JVM's CPU time during the dry-run Map / N |\n", m.cpuDryMs()));
        s.append(f("| cpu_child, apply | %.2f ms | the JVM's CPU time during the apply Map / N (copy, migration, version row) |\n", m.cpuApplyMs()));
        s.append(f("| cpu_prepare | %.3f ms | the JVM's CPU during Prepare / N |\n", m.cpuPrepareMs()));
        s.append(f("| cpu during finish | %.3f ms | the JVM's CPU during Release / N |\n", m.cpuReleaseMs()));
        s.append(f("| DynamoDB write units | %.2f | counted by an SDK interceptor on the task function's calls / N |\n", m.wru()));
        s.append(f("| DynamoDB read units | %.2f | same (strongly consistent reads: 1 unit per 4 KB) |\n", m.rru()));
        s.append(f("| DynamoDB calls | %.2f | same |\n", m.workflowCalls()));
        s.append(f("| bytes written to disk | %,.0f | /proc/self/io write_bytes during the migration / N |\n", m.localWriteBytes()));
        s.append(f("| state transitions | %d for %d batches | the execution history (8 + 2B: the formula holds) |\n\n",
                m.transitions(), m.batches()));
        s.append("Prices, us-east-1:\n\n| price | value | source |\n|---|---:|---|\n");
        s.append("| Step Functions Standard | $0.025 per 1,000 state transitions | https://aws.amazon.com/step-functions/pricing/ |\n");
        s.append("| Lambda Arm duration | $0.0000133334 per GB-s (first 7.5 billion GB-s a month) | https://aws.amazon.com/lambda/pricing/ |\n");
        s.append("| Lambda requests | $0.20 per million | https://aws.amazon.com/lambda/pricing/ |\n");
        s.append("| DynamoDB on-demand | $0.625 per million write request units, $0.125 per million read request units | https://aws.amazon.com/dynamodb/pricing/on-demand/ |\n");
        s.append("| EFS Elastic throughput | reads $0.03/GB, writes $0.06/GB; data operations metered at ≥ 32 KiB, metadata at ≥ 4 KiB | https://aws.amazon.com/efs/pricing/ ; https://repost.aws/articles/ARLxw4PqmeQK6VVrpGL4-jzA |\n\n");
        s.append("Assumed (no AWS here to measure them):\n\n| assumption | value | basis |\n|---|---:|---|\n");
        s.append(f("| EFS latency per operation | read %.1f ms, write %.1f ms | Regional + Elastic row of https://docs.aws.amazon.com/efs/latest/ug/performance.html |\n",
                EFS_READ_MS, EFS_WRITE_MS));
        s.append(f("| NFS round trips per child | dry-run %d reads + %d writes; apply %d reads + %d writes; finish 1 write | SQLite's open, lock, read, journal, fsync, remove, unlock sequence on NFSv4.1 (CostModel.java) |\n",
                DRY_RUN_READ_OPS, DRY_RUN_WRITE_OPS, APPLY_READ_OPS, APPLY_WRITE_OPS));
        s.append(f("| DynamoDB call latency | %.0f ms | typical single-digit milliseconds in-Region |\n", DDB_CALL_MS));
        s.append(f("| Map iteration overhead | %.1f s | scheduling plus a warm invoke |\n", ITERATION_OVERHEAD_S));
        s.append("| CPU per child on Graviton | = the local core's | arm64 1 vCPU at 1769 MB; this machine's core is x86 |\n");
        s.append("| EFS reads per child | 3 full reads of the file | a cold NFS cache at each of dry-run, copy, apply (different invocations) |\n\n");
        s.append("Not counted: Lambda cold starts of the task function (one per concurrent batch slot, about a second "
                + "each), retries, CloudWatch Logs, the copies' storage for the minutes they exist, and the API "
                + "function's calls while a client waits. A failed migration adds a restore Map of the same shape as the apply.\n");
        return s.toString();
    }
}
