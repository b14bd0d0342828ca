package io.multidb.local;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The Lambda {@link Context} for one local invocation: its own request id, the time left before the function's
 * timeout (counted from when the request arrived), and a logger writing to the local log (stderr).
 *
 * The deadline is real, so a handler that works through a batch until {@link #getRemainingTimeInMillis()} runs
 * low behaves as it will in AWS. Used by both local fronts (API Gateway's and Lambda's Invoke API).
 *
 * @param deadlineNanos {@link System#nanoTime()} at which the function's timeout runs out
 */
public record LocalLambdaContext(String awsRequestId, String functionName, String invokedFunctionArn,
                                 long deadlineNanos, int memoryLimitInMB, LambdaLogger logger) implements Context {
    static final int MEMORY_LIMIT_MB = 1024;

    /** A function's ARN as the local fronts name it. */
    public static String arn(String region, String account, String functionName) {
        return "arn:aws:lambda:" + region + ":" + account + ":function:" + functionName;
    }

    /** A logger that hands each line, prefixed, to {@code sink}. */
    public static LambdaLogger loggerTo(java.util.function.Consumer<String> sink, String prefix) {
        return new LambdaLogger() {
            @Override
            public void log(String message) {
                sink.accept(prefix + message);
            }

            @Override
            public void log(byte[] message) {
                log(new String(message, StandardCharsets.UTF_8));
            }
        };
    }

    @Override
    public String getAwsRequestId() {
        return awsRequestId;
    }

    @Override
    public String getLogGroupName() {
        return "/aws/lambda/" + functionName;
    }

    @Override
    public String getLogStreamName() {
        return "local";
    }

    @Override
    public String getFunctionName() {
        return functionName;
    }

    @Override
    public String getFunctionVersion() {
        return "$LATEST";
    }

    @Override
    public String getInvokedFunctionArn() {
        return invokedFunctionArn;
    }

    @Override
    public CognitoIdentity getIdentity() {
        return null;
    }

    @Override
    public ClientContext getClientContext() {
        return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
        long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, left));
    }

    @Override
    public int getMemoryLimitInMB() {
        return memoryLimitInMB;
    }

    @Override
    public LambdaLogger getLogger() {
        return logger;
    }

    /** One line per call, like a log event in CloudWatch. */
    public record StreamLogger(PrintStream out) implements LambdaLogger {
        @Override
        public void log(String message) {
            String text = message == null ? "null" : message;
            synchronized (out) {
                if (text.endsWith("\n")) {
                    out.print(text);
                } else {
                    out.println(text);
                }
                out.flush();
            }
        }

        @Override
        public void log(byte[] message) {
            log(new String(message, StandardCharsets.UTF_8));
        }
    }
}
