package io.multidb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class WatcherTest {

    private static JsonNode json(String s) throws Exception {
        return Api.JSON.readTree(s.replace('\'', '"'));
    }

    @Test
    void phasesCountChildrenNotTheParent() throws Exception {
        JsonNode job = json("{'schema_database':'app','progress':["
                + "{'database':'app','status':'pending'},"
                + "{'database':'a','status':'applied'},{'database':'b','status':'failed'},"
                + "{'database':'c','status':'dry_run_ok'},{'database':'d','status':'pending'}]}");
        Migrations.Counts c = Migrations.Counts.of(job);
        assertThat(c.total()).isEqualTo(4);
        assertThat(Migrations.Phase.of("dry_running", c)).isEqualTo(new Migrations.Phase("dry-run", 3, 0, 4));
        assertThat(Migrations.Phase.of("applying", c)).isEqualTo(new Migrations.Phase("apply", 2, 1, 4));
    }

    @Test
    void theBarShowsPhaseCountsRateElapsedAndEta() {
        Watcher w = new Watcher(null, new PrintWriter(new StringWriter()), true, 100, System::nanoTime);
        String bar = w.bar(new Migrations.Phase("apply", 50, 2, 200), 4_000_000_000L, 2_000_000_000L, 50);
        assertThat(bar).startsWith("apply     [").contains("] " + " 50/200  failed 2").contains("25.0/s")
                .contains("elapsed 0:04").contains("ETA 0:06");
        assertThat(bar.length()).isLessThanOrEqualTo(100);
        assertThat(w.bar(new Migrations.Phase("dry-run", 0, 0, 0), 0, 0, 0)).contains("listing children").contains("ETA --:--");
    }

    @Test
    void aFailedJobSummaryNamesTheChildrenAndTheRetryCommand() throws Exception {
        JsonNode job = json("{'job_id':'j1','status':'rolled_back','schema_database':'app','from_version':3,"
                + "'to_version':4,'error':null,'created_at':'2026-01-01T00:00:00Z','finished_at':'2026-01-01T00:00:02.5Z',"
                + "'failed_children':[{'database':'t7','error':'[SQLITE_CONSTRAINT] boom'}],'progress':[]}");
        StringWriter s = new StringWriter();
        int code = Watcher.summary(new Migrations.Snapshot(job, Migrations.Counts.of(job), 1), "app", new PrintWriter(s));
        assertThat(code).isEqualTo(1);
        assertThat(s.toString()).contains("migration j1 rolled_back in 2.5 s: version stays 3 (not 4)")
                .contains("t7: [SQLITE_CONSTRAINT] boom").contains("multidb migrations retry app j1");
    }

    @Test
    void tablesAlignAndEscape() {
        StringWriter s = new StringWriter();
        new Table(List.of("id", "body")).row(1, "a\nb").row(22, null).printBoxed(new PrintWriter(s, true));
        assertThat(s.toString().lines()).containsExactly(
                "+----+------+", "| id | body |", "+----+------+", "| 1  | a\\nb |", "| 22 |      |", "+----+------+");
        StringWriter c = new StringWriter();
        new Table(List.of("a")).row("x,\"y\"").printCsv(new PrintWriter(c, true));
        assertThat(c.toString().lines()).containsExactly("a", "\"x,\"\"y\"\"\"");
    }
}
