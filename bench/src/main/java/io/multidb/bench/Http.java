package io.multidb.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal HTTP/1.1 client on one keep-alive socket to 127.0.0.1: one request at a time, Content-Length bodies only
 * (the local runtime's front always sends one). Deliberately small, so that the load generator spends as little of
 * the shared CPUs as possible and the measurement is of the server. Not thread-safe: one per client thread.
 */
final class Http implements AutoCloseable {
    record Response(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final int port;
    private final String authorization;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    Http(int port, String token) {
        this.port = port;
        this.authorization = token == null ? null : "Bearer " + token;
    }

    Response get(String path) throws IOException {
        return send("GET", path, null);
    }

    Response post(String path, String json) throws IOException {
        return send("POST", path, json.getBytes(StandardCharsets.UTF_8));
    }

    Response delete(String path) throws IOException {
        return send("DELETE", path, null);
    }

    /** Sends on the open connection; one reconnect if the server closed it meanwhile (idle keep-alive). */
    Response send(String method, String path, byte[] body) throws IOException {
        byte[] head = head(method, path, body);
        boolean fresh = socket == null;
        try {
            return exchange(head, body);
        } catch (IOException e) {
            close();
            if (fresh) {
                throw e;
            }
            return exchange(head, body);
        }
    }

    /** The request head, built once by callers that repeat the same request (see {@link #sendPrepared}). */
    byte[] head(String method, String path, byte[] body) {
        StringBuilder h = new StringBuilder(256);
        h.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1:").append(port).append("\r\n");
        if (authorization != null) {
            h.append("Authorization: ").append(authorization).append("\r\n");
        }
        if (body != null) {
            h.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
        }
        h.append("\r\n");
        return h.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** A whole request (head and body) built before, for load loops that repeat requests; no reconnect. */
    byte[] prepare(String method, String path, byte[] body) {
        byte[] head = head(method, path, body);
        byte[] all = new byte[head.length + (body == null ? 0 : body.length)];
        System.arraycopy(head, 0, all, 0, head.length);
        if (body != null) {
            System.arraycopy(body, 0, all, head.length, body.length);
        }
        return all;
    }

    /** Sends a request from {@link #prepare}; the response as it came. */
    Response sendPrepared(byte[] request) throws IOException {
        connect();
        out.write(request);
        out.flush();
        return readResponse();
    }

    private void connect() throws IOException {
        if (socket == null) {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            out = socket.getOutputStream();
        }
    }

    private Response exchange(byte[] head, byte[] body) throws IOException {
        connect();
        if (body != null && body.length + head.length <= 8 * 1024) {
            // One write: a head and a body sent apart can meet the server's delayed ACK.
            byte[] all = new byte[head.length + body.length];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(body, 0, all, head.length, body.length);
            out.write(all);
        } else {
            out.write(head);
            if (body != null) {
                out.write(body);
            }
        }
        out.flush();
        return readResponse();
    }

    private Response readResponse() throws IOException {
        String status = line();
        if (status == null) {
            throw new IOException("the server closed the connection");
        }
        // "HTTP/1.1 200 OK"
        int code = Integer.parseInt(status.substring(9, 12));
        int length = -1;
        boolean close = false;
        String h;
        while ((h = line()) != null && !h.isEmpty()) {
            int colon = h.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = h.substring(0, colon).trim();
            String value = h.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("content-length")) {
                length = Integer.parseInt(value);
            } else if (name.equalsIgnoreCase("connection") && value.equalsIgnoreCase("close")) {
                close = true;
            } else if (name.equalsIgnoreCase("transfer-encoding")) {
                throw new IOException("chunked responses are not supported by this client");
            }
        }
        byte[] body = length <= 0 ? new byte[0] : in.readNBytes(length);
        if (body.length < Math.max(length, 0)) {
            throw new IOException("short body");
        }
        if (close) {
            close();
        }
        return new Response(code, body);
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int n = b.size();
                byte[] bytes = b.toByteArray();
                return new String(bytes, 0, n > 0 && bytes[n - 1] == '\r' ? n - 1 : n, StandardCharsets.US_ASCII);
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a connection we are done with
            }
            socket = null;
        }
    }
}
