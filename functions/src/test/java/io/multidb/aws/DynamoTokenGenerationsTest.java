package io.multidb.aws;

import io.multidb.testing.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multidb.auth.Access;
import io.multidb.auth.Expiration;
import io.multidb.auth.Principal;
import io.multidb.auth.Scope;
import io.multidb.auth.SigningKey;
import io.multidb.auth.TokenService;
import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.databases.Group;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DynamoTokenGenerationsTest {
    private static final AtomicInteger ORGS = new AtomicInteger();
    private static LocalDynamo dynamo;
    private DynamoTokenGenerations generations;
    private String org;

    @BeforeAll
    static void startDynalite() {
        dynamo = LocalDynamo.start();
    }

    @AfterAll
    static void stopDynalite() {
        dynamo.close();
    }

    @BeforeEach
    void freshOrganization() {
        generations = new DynamoTokenGenerations(dynamo.client, LocalDynamo.TABLE);
        org = "tok" + ORGS.incrementAndGet();
    }

    @Test
    void countersStartAtZeroAndBumpByOne() {
        assertThat(generations.current(org, Scope.DATABASE, "a")).isZero();
        assertThat(generations.bump(org, Scope.DATABASE, "a")).isEqualTo(1);
        assertThat(generations.bump(org, Scope.DATABASE, "a")).isEqualTo(2);
        assertThat(generations.current(org, Scope.DATABASE, "a")).isEqualTo(2);
    }

    @Test
    void eachScopeNameAndOrganizationHasItsOwnCounter() {
        generations.bump(org, Scope.DATABASE, "a");
        assertThat(generations.current(org, Scope.GROUP, "a")).isZero();
        assertThat(generations.current(org, Scope.DATABASE, "b")).isZero();
        assertThat(generations.current(org + "x", Scope.DATABASE, "a")).isZero();
    }

    @Test
    void theItemsAreTheDocumentedOnes() {
        generations.bump(org, Scope.DATABASE, "a");
        generations.bump(org, Scope.GROUP, "g");
        generations.bump(org, Scope.GROUP, "g");
        List<Map<String, AttributeValue>> items = DynamoCatalogTestSupport.query(dynamo, "ORG#" + org);
        assertThat(items).extracting(i -> i.get("sk").s() + "=" + i.get("token_generation").n() + ":" + i.get("type").s())
                .containsExactlyInAnyOrder("TOKENGEN#DB#a=1:token_generation", "TOKENGEN#GROUP#g=2:token_generation");
    }

    @Test
    void countersLiveBesideTheCatalogWithoutDisturbingIt() {
        DynamoCatalog catalog = dynamo.catalog(new MutableClock(), Duration.ofMinutes(5));
        Group g = new Group("g", "eu-west-1", Instant.parse("2025-01-01T00:00:00Z"));
        catalog.createGroup(org, g);
        generations.bump(org, Scope.GROUP, "g");
        generations.bump(org, Scope.DATABASE, "g");

        assertThat(catalog.listGroups(org)).containsExactly(g);
        assertThat(catalog.listDatabases(org)).isEmpty();
        assertThat(catalog.deleteGroup(org, "g")).isEqualTo(g);
        // The counter outlives the group: a group re-created under the name does not revive old tokens.
        assertThat(generations.current(org, Scope.GROUP, "g")).isEqualTo(1);
    }

    @Test
    void concurrentBumpsAreNeitherLostNorDuplicated() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Long>> results = pool.invokeAll(java.util.Collections.nCopies(20,
                    () -> generations.bump(org, Scope.DATABASE, "hot")));
            List<Long> values = new java.util.ArrayList<>();
            for (Future<Long> f : results) {
                values.add(f.get());
            }
            assertThat(values).containsExactlyInAnyOrderElementsOf(
                    java.util.stream.LongStream.rangeClosed(1, 20).boxed().toList());
        } finally {
            pool.shutdownNow();
        }
        assertThat(generations.current(org, Scope.DATABASE, "hot")).isEqualTo(20);
    }

    @Test
    void namesThatCouldForgeKeysAreRefused() {
        for (String bad : new String[] {"a#b", "A", "../a", ""}) {
            assertThatThrownBy(() -> generations.bump(org, Scope.DATABASE, bad))
                    .isInstanceOfSatisfying(MultidbException.class,
                            e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST));
        }
    }

    @Test
    void aMissingTableIsUnavailableNotABug() {
        DynamoTokenGenerations wrong = new DynamoTokenGenerations(dynamo.client, "no-such-table");
        assertThatThrownBy(() -> wrong.current(org, Scope.DATABASE, "a"))
                .isInstanceOfSatisfying(MultidbException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
                    assertThat(e.getMessage()).contains("no-such-table does not exist");
                });
        assertThatThrownBy(() -> wrong.bump(org, Scope.DATABASE, "a"))
                .isInstanceOfSatisfying(MultidbException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE));
    }

    @Test
    void rotationThroughDynamoReachesAnotherInstanceWithinTheCacheTime() {
        MutableClock clock = new MutableClock();
        SigningKey key = SigningKey.of(new byte[32]);
        TokenService a = new TokenService(org, "admin-token-0123456789", () -> key, generations, Duration.ofSeconds(5), clock);
        TokenService b = new TokenService(org, "admin-token-0123456789", () -> key,
                new DynamoTokenGenerations(dynamo.client, LocalDynamo.TABLE), Duration.ofSeconds(5), clock);

        String jwt = a.issue(Scope.DATABASE, "a", Expiration.NEVER, Access.READ_ONLY);
        assertThat(b.verify(jwt)).isEqualTo(new Principal.DatabasePrincipal("a", true));
        a.rotate(Scope.DATABASE, "a");
        assertThatThrownBy(() -> a.verify(jwt)).isInstanceOf(MultidbException.class);
        assertThat(b.verify(jwt)).isEqualTo(new Principal.DatabasePrincipal("a", true)); // cached, within 5 s
        clock.advance(Duration.ofSeconds(5));
        assertThatThrownBy(() -> b.verify(jwt)).isInstanceOfSatisfying(MultidbException.class,
                e -> assertThat(e.getMessage()).startsWith("revoked token"));
        assertThat(b.verify(a.issue(Scope.DATABASE, "a", Expiration.NEVER, Access.READ_ONLY))).isNotNull();
    }
}
