package io.multidb.migrations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multidb.common.MultidbException;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rollout plan's rules, the pause's clock, the verify query's check and the job's path through the workflow. */
class RolloutPlanTest {

    @Test
    void aCanaryIsACountOrDistinctNamesAndVerifyAndPauseNeedOne() {
        assertThat(JobPlan.Canary.first(3).count()).isEqualTo(3);
        assertThat(JobPlan.Canary.named(List.of("a", "b")).names()).containsExactly("a", "b");
        assertThatThrownBy(() -> JobPlan.Canary.first(0)).isInstanceOf(MultidbException.class);
        assertThatThrownBy(() -> JobPlan.Canary.first(JobPlan.MAX_CANARY + 1)).isInstanceOf(MultidbException.class);
        assertThatThrownBy(() -> JobPlan.Canary.named(List.of("a", "a"))).hasMessageContaining("twice");
        assertThatThrownBy(() -> JobPlan.Canary.named(List.of("../etc"))).isInstanceOf(MultidbException.class);
        assertThatThrownBy(() -> new JobPlan(null, "SELECT 1", false, JobPlan.FailurePolicy.ROLLBACK_ALL, null))
                .hasMessageContaining("'canary'");
        assertThatThrownBy(() -> new JobPlan(null, null, true, JobPlan.FailurePolicy.ROLLBACK_ALL, null))
                .hasMessageContaining("'canary'");
        assertThat(JobPlan.FailurePolicy.fromWire("quarantine")).isEqualTo(JobPlan.FailurePolicy.QUARANTINE);
        assertThatThrownBy(() -> JobPlan.FailurePolicy.fromWire("skip")).hasMessageContaining("rollback_all");
    }

    @Test
    void theVerifyQueryIsOneReadingStatement() {
        VerifyQuery.check("SELECT count(*) = 0 FROM t WHERE c IS NULL");
        VerifyQuery.check("with x as (select 1) select * from x");
        VerifyQuery.check("VALUES (1)");
        assertThatThrownBy(() -> VerifyQuery.check("SELECT 1; SELECT 2")).hasMessageContaining("one query");
        assertThatThrownBy(() -> VerifyQuery.check("DELETE FROM t")).hasMessageContaining("read-only");
        assertThatThrownBy(() -> VerifyQuery.check("  ")).isInstanceOf(MultidbException.class);
    }

    @Test
    void aPauseLooksOftenAtFirstThenOnceAMinuteAndEndsBeforeTheExecutionWould() {
        assertThat(PauseClock.nextWait(0)).isEqualTo(2);
        assertThat(PauseClock.nextWait(10)).isEqualTo(12);
        assertThat(PauseClock.nextWait(500)).isEqualTo(60);
        // The number of looks a pause can take before it gives up, and the history events they cost (9 each).
        int looks = 0;
        while (PauseClock.waited(looks).compareTo(PauseClock.LIMIT) <= 0) {
            looks++;
        }
        assertThat(looks * 9).as("history events of a pause that runs out").isLessThan(14_000);
        assertThat(PauseClock.waited(looks)).isLessThan(Duration.ofHours(24));
    }

    @Test
    void aJobsPathGoesThroughItsCanaryAndItsPause() {
        JobPlan plan = new JobPlan(JobPlan.Canary.first(2), null, true, JobPlan.FailurePolicy.ROLLBACK_ALL, null);
        MigrationJob job = MigrationJob.pending("j1", "acme", "app", "ALTER TABLE t ADD c", 0, Instant.EPOCH, 4, plan)
                .withCanaryBatches(1).withBatchCount(3);
        Map<TaskStatus, Integer> counts = new EnumMap<>(TaskStatus.class);
        for (TaskStatus s : TaskStatus.values()) {
            counts.put(s, 0);
        }
        counts.put(TaskStatus.DRY_RUN_OK, 8);
        counts.put(TaskStatus.APPLIED, 2);
        assertThat(JobProgress.visited(job.withStatus(JobStatus.PAUSED), counts, 10, TaskStatus.DRY_RUN_OK))
                .endsWith(JobProgress.APPLY_CANARY, JobProgress.LOOK_FOR_RESUME);
        assertThat(JobProgress.visited(job.withStatus(JobStatus.SUCCEEDED_WITH_QUARANTINE), counts, 10, TaskStatus.APPLIED))
                .containsSubsequence(JobProgress.APPLY_CANARY, JobProgress.LOOK_FOR_RESUME, JobProgress.APPLY_CHILDREN,
                        JobProgress.APPLY_PARENT, JobProgress.SUCCEEDED);
        assertThat(JobProgress.percent(job.withStatus(JobStatus.SUCCEEDED_WITH_QUARANTINE), counts, 10, TaskStatus.APPLIED))
                .isEqualTo(100);
        assertThat(job.isCanaryBatch(0)).isTrue();
        assertThat(job.isCanaryBatch(1)).isFalse();
        assertThat(job.isCanaryBatch(MigrationTask.PARENT_BATCH)).isFalse();
    }
}
