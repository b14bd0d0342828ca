package io.multidb.local.lambda;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.util.Map;
import java.util.Objects;

/**
 * A handler the local runtime serves under a function name, in one of the two shapes Java Lambda functions take.
 */
public sealed interface LambdaFunction {

    /** Reads the event JSON from a stream and writes its result JSON (how the task handlers are written). */
    record Stream(RequestStreamHandler handler) implements LambdaFunction {
        public Stream {
            Objects.requireNonNull(handler, "handler");
        }
    }

    /** Takes and returns JSON objects as maps (Lambda's POJO serialization, for maps). */
    record Json(RequestHandler<Map<String, Object>, Map<String, Object>> handler) implements LambdaFunction {
        public Json {
            Objects.requireNonNull(handler, "handler");
        }
    }
}
