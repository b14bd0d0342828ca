package io.multidb.tasks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.storage.StorageException;
import java.util.Map;

/** What every task of the workflow reads from its input, and which of its failures are worth a retry. */
final class TaskInput {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TaskInput() {
    }

    static String text(Map<String, Object> input, String key) {
        Object v = input.get(key);
        if (!(v instanceof String s) || s.isEmpty()) {
            throw new IllegalArgumentException("task input needs '" + key + "'");
        }
        return s;
    }

    static int batch(Map<String, Object> input) {
        if (input.get("batch") instanceof Number n && n.intValue() >= 0) {
            return n.intValue();
        }
        throw new IllegalArgumentException("task input needs 'batch' (a number)");
    }

    /**
     * The Catch's {"Error", "Cause"} as one line (the cause of a Lambda error is itself JSON with errorMessage);
     * {@code otherwise} when the input carries none.
     */
    static String errorOf(Object error, String otherwise) {
        if (!(error instanceof Map<?, ?> m)) {
            return otherwise;
        }
        Object name = m.get("Error");
        Object cause = m.get("Cause");
        String text = cause == null ? "" : cause.toString();
        try {
            JsonNode parsed = JSON.readTree(text);
            if (parsed != null && parsed.hasNonNull("errorMessage")) {
                text = parsed.get("errorMessage").asText();
            }
        } catch (JsonProcessingException notJson) {
            // a cause that is plain text is shown as it is
        }
        String simple = name == null ? "Error" : name.toString().substring(name.toString().lastIndexOf('.') + 1);
        return (simple + ": " + text).strip();
    }

    /**
     * A file-system failure, or a dependency that is unavailable, is worth the same step again (the ASL retries
     * TransientTaskFailure); anything else is what it is.
     */
    static RuntimeException retryableOrAsIs(RuntimeException e) {
        if (e instanceof StorageException
                || (e instanceof MultidbException m && m.kind() == ErrorKind.UNAVAILABLE)) {
            return new TransientTaskFailure(e.getMessage(), e);
        }
        return e;
    }
}
