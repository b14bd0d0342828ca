package io.multidb.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.common.MultidbException;
import java.io.IOException;

/** One JSON mapper per container, tree model only (no reflection-driven binding on the hot path). */
public final class Json {
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    static {
        // Bounds against hostile bodies: deep nesting and huge numbers cost stack and CPU before we look at them.
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(64)
                .maxNumberLength(100)
                .maxStringLength(8 * 1024 * 1024)
                .build());
    }

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Parses a request body; anything but one JSON value → 400 that says so. */
    public static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw MultidbException.invalid("request body is empty: send a JSON object");
        }
        try {
            JsonNode n = MAPPER.readTree(body);
            if (n == null || n.isMissingNode()) {
                throw MultidbException.invalid("request body is empty: send a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw MultidbException.invalid("request body is not valid JSON: " + firstLine(e.getMessage()));
        }
    }

    public static ObjectNode parseObject(byte[] body) {
        JsonNode n = parse(body);
        if (!n.isObject()) {
            throw MultidbException.invalid("request body must be a JSON object");
        }
        return (ObjectNode) n;
    }

    public static String write(JsonNode n) {
        try {
            return MAPPER.writeValueAsString(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
