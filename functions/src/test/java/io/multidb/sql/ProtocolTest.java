package io.multidb.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bodies the executor refuses as a whole (an HTTP error for the caller), before running anything. */
class ProtocolTest {
    @TempDir
    Path dir;
    Harness h;

    @BeforeEach
    void setUp() {
        h = new Harness(dir);
        h.result("CREATE TABLE t(x)");
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    private MultidbException refused(String body) {
        MultidbException e = catchThrowableOfType(MultidbException.class,
                () -> h.run(Harness.open(), Harness.parse(body)));
        assertThat(e).as(body).isNotNull();
        assertThat(h.query("SELECT count(*) FROM t")).isEqualTo(List.of(List.of(0)));
        return e;
    }

    private static final String INSERT = "{\"type\":\"execute\",\"stmt\":{\"sql\":\"INSERT INTO t VALUES (1)\"}}";

    @Test
    void aBatonThisServerDidNotIssueIsAClearStreamError() {
        MultidbException e = refused("{\"baton\":\"abc\",\"requests\":[" + INSERT + "]}");
        assertThat(e.kind()).isEqualTo(ErrorKind.STREAM_INVALID);
        assertThat(e.code()).isEqualTo("BATON_INVALID");
        assertThat(e.getMessage()).contains("not issued for database 'db1'");
    }

    @Test
    void withoutStreamsABatonIsRefusedAsNotSupported() {
        MultidbException e = catchThrowableOfType(MultidbException.class, () -> h.runWithoutStreams(Harness.open(),
                Harness.parse("{\"baton\":\"abc\",\"requests\":[" + INSERT + "]}")));
        assertThat(e.kind()).isEqualTo(ErrorKind.STREAM_INVALID);
        assertThat(e.code()).isEqualTo("STREAM_NOT_SUPPORTED");
        assertThat(e.getMessage()).contains("Transactions across requests are not supported here");
        assertThat(h.query("SELECT count(*) FROM t")).isEqualTo(List.of(List.of(0)));
    }

    @Test
    void aNullOrMissingBatonStartsANewStream() {
        JsonNode out = h.run(Harness.open(), Harness.parse("{\"baton\":null,\"requests\":[" + INSERT + "]}")).body();
        assertThat(out.at("/results/0/type").asText()).isEqualTo("ok");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "not an object                | []                                                              | must be a JSON object",
            "baton of the wrong type      | {'baton':1,'requests':[]}                                        | baton",
            "requests missing             | {}                                                              | \"requests\" array",
            "requests not an array        | {'requests':{}}                                                  | \"requests\" array",
            "request not an object        | {'requests':[1]}                                                 | requests[0] must be an object",
            "request without type         | {'requests':[{}]}                                               | requests[0] needs a string \"type\"",
            "unknown request type         | {'requests':[{'type':'open_cursor'}]}                            | unknown request type \"open_cursor\"",
            "execute without stmt         | {'requests':[{'type':'execute'}]}                                | requests[0] needs an object \"stmt\"",
            "stmt without sql or sql_id   | {'requests':[{'type':'execute','stmt':{}}]}                      | needs \"sql\"",
            "stmt with sql and sql_id     | {'requests':[{'type':'execute','stmt':{'sql':'SELECT 1','sql_id':1}}]} | both",
            "sql not a string             | {'requests':[{'type':'execute','stmt':{'sql':5}}]}               | \"sql\" must be a string",
            "sql_id not an integer        | {'requests':[{'type':'execute','stmt':{'sql_id':'1'}}]}          | \"sql_id\" must be an integer",
            "args not an array            | {'requests':[{'type':'execute','stmt':{'sql':'SELECT ?','args':{}}}]} | args must be an array",
            "value not an object          | {'requests':[{'type':'execute','stmt':{'sql':'SELECT ?','args':[1]}}]} | requests[0].stmt.args[0] must be a value object",
            "unknown value type           | {'requests':[{'type':'execute','stmt':{'sql':'SELECT ?','args':[{'type':'date'}]}}]} | unknown value type \"date\"",
            "integer that is no integer   | {'requests':[{'type':'execute','stmt':{'sql':'SELECT ?','args':[{'type':'integer','value':'12a'}]}}]} | 64-bit integer",
            "integer beyond 64 bits       | {'requests':[{'type':'execute','stmt':{'sql':'SELECT ?','args':[{'type':'integer','value':'9223372036854775808'}]}}]} | 64-bit integer",
            "integer as a fraction        | {'requests':[{'type':'execute','stmt':{'sql':'SELECT ?','args':[{'type':'integer','value':1.5}]}}]} | 64-bit integer",
            "float as a string            | {'requests':[{'type':'execute','stmt':{'sql':'SELECT ?','args':[{'type':'float','value':'1.5'}]}}]} | JSON number",
            "text as a number             | {'requests':[{'type':'execute','stmt':{'sql':'SELECT ?','args':[{'type':'text','value':1}]}}]} | string \"value\"",
            "blob without base64          | {'requests':[{'type':'execute','stmt':{'sql':'SELECT ?','args':[{'type':'blob','value':'AQI='}]}}]} | \"base64\"",
            "blob with bad base64         | {'requests':[{'type':'execute','stmt':{'sql':'SELECT ?','args':[{'type':'blob','base64':'A*=='}]}}]} | not valid standard base64",
            "named arg without name       | {'requests':[{'type':'execute','stmt':{'sql':'SELECT :a','named_args':[{'value':{'type':'null'}}]}}]} | needs a string \"name\"",
            "want_rows not a boolean      | {'requests':[{'type':'execute','stmt':{'sql':'SELECT 1','want_rows':'yes'}}]} | want_rows",
            "batch without steps          | {'requests':[{'type':'batch','batch':{}}]}                       | \"steps\" array",
            "unknown condition            | {'requests':[{'type':'batch','batch':{'steps':[{'stmt':{'sql':'SELECT 1'}},{'condition':{'type':'maybe'},'stmt':{'sql':'SELECT 1'}}]}}]} | unknown condition type",
            "condition on a later step    | {'requests':[{'type':'batch','batch':{'steps':[{'stmt':{'sql':'SELECT 1'}},{'condition':{'type':'ok','step':1},'stmt':{'sql':'SELECT 1'}}]}}]} | earlier step",
            "not without cond             | {'requests':[{'type':'batch','batch':{'steps':[{'stmt':{'sql':'SELECT 1'}},{'condition':{'type':'not'},'stmt':{'sql':'SELECT 1'}}]}}]} | \"cond\"",
            "store_sql without sql        | {'requests':[{'type':'store_sql','sql_id':1}]}                  | needs a string \"sql\"",
            "close_sql without sql_id     | {'requests':[{'type':'close_sql'}]}                             | \"sql_id\" must be an integer",
            "sequence without sql         | {'requests':[{'type':'sequence'}]}                              | needs \"sql\"",
            "close before the end         | {'requests':[{'type':'close'},{'type':'execute','stmt':{'sql':'SELECT 1'}}]} | must be the last request",
    })
    void malformedBodiesAreInvalidRequestsNamingThePlace(String what, String body, String expected) {
        String json = body.replace('\'', '"');
        // The first request would write a row if anything ran.
        if (json.startsWith("{\"requests\":[")) {
            json = json.replace("{\"requests\":[", "{\"requests\":[" + INSERT + ",");
            expected = expected.replace("requests[0]", "requests[1]");
        }
        MultidbException e = refused(json);
        assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
        assertThat(e.getMessage()).as(what).contains(expected);
    }

    @Test
    void aJsonIntegerIsAcceptedWhereTheClientWouldSendAString() {
        JsonNode out = h.run(Harness.open(), Harness.parse("""
                {"requests":[{"type":"execute","stmt":{"sql":"SELECT ?","args":[{"type":"integer","value":-5}]}}]}
                """)).body();
        assertThat(out.at("/results/0/response/result/rows/0/0").toString())
                .isEqualTo("{\"type\":\"integer\",\"value\":\"-5\"}");
    }

    @Test
    void unknownFieldsAreIgnored() {
        JsonNode out = h.run(Harness.open(), Harness.parse("""
                {"requests":[{"type":"execute","stmt":{"sql":"SELECT 1","replication_index":null,"future":1},
                "x":true}],"extra":{}}""")).body();
        assertThat(out.at("/results/0/type").asText()).isEqualTo("ok");
    }

    @Test
    void anEmptyPipelineAnswersNoResults() {
        JsonNode out = h.run(Harness.open(), Harness.parse("{\"requests\":[]}")).body();
        assertThat(out.toString()).isEqualTo("{\"baton\":null,\"base_url\":null,\"results\":[]}");
    }
}
