package io.multidb.telemetry;

import java.util.List;
import java.util.regex.Pattern;

/**
 * What a request's path says, for logs and metrics: the route as a template (a bounded set: it is a metric
 * dimension, so never a raw path), and the names in it that correlate (checked against the naming rules, so a
 * hostile path cannot put arbitrary text into a log line).
 *
 * @param template       e.g. {@code POST /db/{database}/v2/pipeline}; {@code unmatched} for anything else
 * @param database       the database the request is about, or null
 * @param schemaDatabase the schema database of a migration or job route, or null
 * @param group          the group of a group route, or null
 * @param jobId          the job of a migration or job route, or null
 */
public record Route(String template, String database, String schemaDatabase, String group, String jobId) {
    public static final String UNMATCHED = "unmatched";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern JOB = Pattern.compile("[a-z0-9][a-z0-9-]{0,79}");
    private static final List<String> METHODS = List.of("GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS");

    /** The route of a request with these (percent-decoded) path segments, as the API handler routes them. */
    public static Route of(String method, List<String> s) {
        String m = method != null && METHODS.contains(method) ? method : "OTHER";
        int n = s.size();
        if (n == 1 && s.get(0).equals("health")) {
            return new Route(m + " /health", null, null, null, null);
        }
        if (n >= 2 && s.get(0).equals("db")) {
            String db = name(s.get(1));
            if (n == 4 && s.get(2).equals("v2") && s.get(3).equals("pipeline")) {
                return new Route(m + " /db/{database}/v2/pipeline", db, null, null, null);
            }
            if (n == 4 && s.get(2).equals("v1") && s.get(3).equals("jobs")) {
                return new Route(m + " /db/{database}/v1/jobs", db, db, null, null);
            }
            if (n == 5 && s.get(2).equals("v1") && s.get(3).equals("jobs")) {
                return new Route(m + " /db/{database}/v1/jobs/{job}", db, db, null, job(s.get(4)));
            }
            return new Route(UNMATCHED, null, null, null, null);
        }
        if (n < 4 || !s.get(0).equals("v1") || !s.get(1).equals("organizations")) {
            return new Route(UNMATCHED, null, null, null, null);
        }
        String base = m + " /v1/organizations/{org}/";
        String kind = s.get(3);
        List<String> rest = s.subList(4, n);
        if (kind.equals("groups")) {
            String group = rest.isEmpty() ? null : name(rest.get(0));
            return switch (rest.size()) {
                case 0 -> new Route(base + "groups", null, null, null, null);
                case 1 -> new Route(base + "groups/{group}", null, null, group, null);
                case 3 -> rest.get(1).equals("auth") && tokenAction(rest.get(2))
                        ? new Route(base + "groups/{group}/auth/" + rest.get(2), null, null, group, null)
                        : new Route(UNMATCHED, null, null, null, null);
                default -> new Route(UNMATCHED, null, null, null, null);
            };
        }
        if (!kind.equals("databases")) {
            return new Route(UNMATCHED, null, null, null, null);
        }
        if (rest.isEmpty()) {
            return new Route(base + "databases", null, null, null, null);
        }
        String db = name(rest.get(0));
        if (rest.size() == 1) {
            return new Route(base + "databases/{database}", db, null, null, null);
        }
        if (rest.size() == 3 && rest.get(1).equals("auth") && tokenAction(rest.get(2))) {
            return new Route(base + "databases/{database}/auth/" + rest.get(2), db, null, null, null);
        }
        if (rest.get(1).equals("drift") && rest.size() <= 3) {
            return rest.size() == 2 ? new Route(base + "databases/{database}/drift", db, db, null, null)
                    : rest.get(2).equals("repair") ? new Route(base + "databases/{database}/drift/repair", db, db, null, null)
                    : new Route(UNMATCHED, null, null, null, null);
        }
        if (!rest.get(1).equals("migrations")) {
            return new Route(UNMATCHED, null, null, null, null);
        }
        String migrations = base + "databases/{database}/migrations";
        return switch (rest.size()) {
            case 2 -> new Route(migrations, db, db, null, null);
            case 3 -> rest.get(2).equals("unlock")
                    ? new Route(migrations + "/unlock", db, db, null, null)
                    : new Route(migrations + "/{job}", db, db, null, job(rest.get(2)));
            case 4 -> rest.get(3).equals("retry") || rest.get(3).equals("abort") || rest.get(3).equals("resume")
                    ? new Route(migrations + "/{job}/" + rest.get(3), db, db, null, job(rest.get(2)))
                    : new Route(UNMATCHED, null, null, null, null);
            default -> new Route(UNMATCHED, null, null, null, null);
        };
    }

    private static boolean tokenAction(String s) {
        return s.equals("tokens") || s.equals("rotate");
    }

    private static String name(String s) {
        return NAME.matcher(s).matches() ? s : null;
    }

    private static String job(String s) {
        return JOB.matcher(s).matches() ? s : null;
    }
}
