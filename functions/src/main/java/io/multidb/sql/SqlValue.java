package io.multidb.sql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.multidb.common.MultidbException;
import java.util.Base64;

/**
 * A Hrana value: {@code {"type":"null"}}, {@code {"type":"integer","value":"-12"}} (a string, so 64-bit integers
 * survive JavaScript), {@code {"type":"float","value":1.5}}, {@code {"type":"text","value":"..."}},
 * {@code {"type":"blob","base64":"AQI="}}.
 */
sealed interface SqlValue {

    record Null() implements SqlValue {
    }

    record Integer(long value) implements SqlValue {
    }

    record Float(double value) implements SqlValue {
    }

    record Text(String value) implements SqlValue {
    }

    record Blob(byte[] value) implements SqlValue {
    }

    SqlValue NULL = new Null();

    JsonNodeFactory JSON = JsonNodeFactory.instance;

    /**
     * Reads a value sent by a client. Integers come as strings (JSON integers are accepted too); floats as any
     * JSON number (the JavaScript client sends every {@code number}, even 1, as a float); blobs in standard
     * base64, padded or not.
     *
     * @param where the value's place in the request, for the error message
     */
    static SqlValue fromJson(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw MultidbException.invalid(where + " must be a value object such as {\"type\":\"text\",\"value\":\"a\"}");
        }
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual()) {
            throw MultidbException.invalid(where + " needs a \"type\": null, integer, float, text or blob");
        }
        JsonNode value = node.get("value");
        return switch (type.textValue()) {
            case "null" -> NULL;
            case "integer" -> new Integer(integer(value, where));
            case "float" -> {
                if (value == null || !value.isNumber()) {
                    throw MultidbException.invalid(where + ": a float needs a JSON number \"value\"");
                }
                yield new Float(value.doubleValue());
            }
            case "text" -> {
                if (value == null || !value.isTextual()) {
                    throw MultidbException.invalid(where + ": a text needs a string \"value\"");
                }
                yield new Text(value.textValue());
            }
            case "blob" -> {
                JsonNode base64 = node.get("base64");
                if (base64 == null || !base64.isTextual()) {
                    throw MultidbException.invalid(where + ": a blob needs a string \"base64\"");
                }
                try {
                    // The basic decoder accepts a missing padding; a wrong one or a stray character is an error.
                    yield new Blob(Base64.getDecoder().decode(base64.textValue()));
                } catch (IllegalArgumentException e) {
                    throw MultidbException.invalid(where + ": \"base64\" is not valid standard base64");
                }
            }
            default -> throw MultidbException.invalid(where + ": unknown value type \"" + type.textValue()
                    + "\"; use null, integer, float, text or blob");
        };
    }

    private static long integer(JsonNode value, String where) {
        if (value != null && value.isTextual()) {
            String s = value.textValue();
            if (!s.isEmpty() && s.length() <= 20 && s.chars().skip(s.charAt(0) == '-' ? 1 : 0)
                    .allMatch(c -> c >= '0' && c <= '9') && !s.equals("-")) {
                try {
                    return Long.parseLong(s);
                } catch (NumberFormatException e) {
                    // out of range: reported below
                }
            }
        } else if (value != null && value.isIntegralNumber() && value.canConvertToLong()) {
            return value.longValue();
        }
        throw MultidbException.invalid(where + ": an integer needs a \"value\" that is a string holding a "
                + "64-bit integer, like \"42\"");
    }

    static ObjectNode nullJson() {
        ObjectNode n = JSON.objectNode();
        n.put("type", "null");
        return n;
    }

    static ObjectNode integerJson(long v) {
        ObjectNode n = JSON.objectNode();
        n.put("type", "integer");
        n.put("value", Long.toString(v));
        return n;
    }

    /**
     * SQLite never returns NaN (it becomes NULL) but does return infinities, which JSON cannot spell: they go out
     * as 1e999 / -1e999, numbers that JSON.parse reads back as Infinity / -Infinity.
     */
    static ObjectNode floatJson(double v) {
        ObjectNode n = JSON.objectNode();
        n.put("type", "float");
        if (Double.isInfinite(v)) {
            n.putRawValue("value", new RawValue(v > 0 ? "1e999" : "-1e999"));
        } else {
            n.put("value", v);
        }
        return n;
    }

    static ObjectNode textJson(String v) {
        ObjectNode n = JSON.objectNode();
        n.put("type", "text");
        n.put("value", v);
        return n;
    }

    static ObjectNode blobJson(byte[] v) {
        ObjectNode n = JSON.objectNode();
        n.put("type", "blob");
        n.put("base64", Base64.getEncoder().encodeToString(v));
        return n;
    }
}
