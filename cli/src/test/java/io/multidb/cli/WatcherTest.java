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
    void aQuarantinedJobIsASuccessWithAWarningListingTheBehindChildrenAndExits3() throws Exception {
        JsonNode job = json("{'job_id':'j2','status':'succeeded_with_quarantine','schema_database':'app','from_version':0,"
                + "'to_version':1,'error':'3 children quarantined','created_at':'2026-01-01T00:00:00Z',"
                + "'finished_at':'2026-01-01T00:00:01Z','kind':'migration','on_child_failure':'quarantine',"
                + "'failed_children':[{'database':'c010','error':'UNIQUE constraint failed: t.email'}],"
                + "'progress':[{'database':'c010','status':'failed'},{'database':'c011','status':'applied'}]}");
        StringWriter s = new StringWriter();
        int code = Watcher.summary(new Migrations.Snapshot(job, Migrations.Counts.of(job), 1), "app", new PrintWriter(s));
        assertThat(code).isEqualTo(3).isEqualTo(Watcher.exitCode("succeeded_with_quarantine"));
        assertThat(s.toString()).contains("migration j2 succeeded with quarantine in 1.0 s: version 1 on app and 1 of 2 children")
                .contains("warning: 1 child failed and stayed behind").contains("c010: UNIQUE constraint failed: t.email")
                .contains("multidb migrations retry app j2").contains("multidb drift repair app");
    }

    @Test
    void aPausedJobSaysHowToResumeOrAbortAndExits4() throws Exception {
        JsonNode job = json("{'job_id':'j3','status':'paused','schema_database':'app','from_version':0,'to_version':1,"
                + "'error':null,'created_at':'2026-01-01T00:00:00Z','finished_at':null,'failed_children':[],"
                + "'canary':{'count':2,'verify':'SELECT 1','pause_after_canary':true,'batches':1,'resumed':false},"
                + "'progress':[{'database':'a','status':'applied'},{'database':'b','status':'applied'},"
                + "{'database':'c','status':'dry_run_ok'}]}");
        StringWriter s = new StringWriter();
        Migrations.Snapshot snap = new Migrations.Snapshot(job, Migrations.Counts.of(job), 1);
        assertThat(snap.running()).isTrue();
        assertThat(Watcher.summary(snap, "app", new PrintWriter(s))).isEqualTo(4);
        assertThat(s.toString()).contains("migration j3 is paused after its canary\n"
                + "  2 canary children at version 1 (the verify query held on each); 1 child waits at version 0")
                .contains("multidb migrations resume app j3").contains("multidb migrations abort app j3");
        assertThat(Watcher.phases("paused")).endsWith("canary");
        assertThat(Migrations.Phase.of("paused", snap.counts())).isEqualTo(new Migrations.Phase("paused", 2, 0, 3));
    }

    @Test
    void verifyFailuresCountAsFailures() throws Exception {
        JsonNode job = json("{'schema_database':'app','progress':[{'database':'a','status':'verify_failed'},"
                + "{'database':'b','status':'applied'}]}");
        Migrations.Counts c = Migrations.Counts.of(job);
        assertThat(c.verifyFailed()).isEqualTo(1);
        assertThat(Migrations.Phase.of("applying", c)).isEqualTo(new Migrations.Phase("apply", 2, 1, 2));
    }

    @Test
    void rolloutOptionsBecomeTheApisFields() {
        var body = Api.object();
        Migrations.Rollout.parse("3", "SELECT 1", true, "quarantine").addTo(body);
        assertThat(body.toString()).isEqualTo(
                "{\"canary\":3,\"verify\":\"SELECT 1\",\"pause_after_canary\":true,\"on_child_failure\":\"quarantine\"}");
        var named = Api.object();
        Migrations.Rollout.parse("acme, globex", null, false, null).addTo(named);
        assertThat(named.toString()).isEqualTo("{\"canary\":[\"acme\",\"globex\"]}");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Migrations.Rollout.parse(null, "SELECT 1", false, null))
                .hasMessageContaining("give --canary");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Migrations.Rollout.parse("0", null, false, null))
                .hasMessageContaining("1 or more");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Migrations.Rollout.parse(null, null, false, "skip"))
                .hasMessageContaining("rollback_all (the default) or quarantine");
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
