using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using ActorDispatch.Benchmarks.Shared;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// Consumes a durable subscription over <c>/ws</c> the way a FireFly client does: a query-string
/// auto-start, one delivery per text frame, and an ack
/// <c>{"type":"ack","id":…,"subscription":{"id":…}}</c> sent for each before the next frame is read,
/// until each of the <c>expected</c> sequences has arrived; then the connection closes.
/// </summary>
internal static class WebSocketConsumer
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    public static async Task<ConsumeResult> RunAsync(Uri uri, int expected, CancellationToken ct)
    {
        var sequences = new SequenceTracker(expected);
        var latencies = new Latencies(expected);
        var frame = new ArrayBufferWriter<byte>(4096);
        var ack = new ArrayBufferWriter<byte>(256);
        using var socket = new ClientWebSocket();
        var start = Stopwatch.GetTimestamp();
        await socket.ConnectAsync(uri, ct);
        while (true)
        {
            await ReceiveAsync(socket, frame, ct);
            var received = Stopwatch.GetTimestamp();
            if (!Read(frame.WrittenMemory, ack, out var sequence, out var published)) continue;
            if (sequences.See(sequence)) latencies.Add(received - published);
            await socket.SendAsync(ack.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, ct);
            if (sequences.Complete) break;
        }
        var end = Stopwatch.GetTimestamp();
        await CloseAsync(socket);
        return new ConsumeResult(new Interval(start, end), sequences, latencies);
    }

    /// <summary>One whole message into <paramref name="frame"/>; a close from the server is an error.</summary>
    private static async Task ReceiveAsync(ClientWebSocket socket, ArrayBufferWriter<byte> frame, CancellationToken ct)
    {
        frame.ResetWrittenCount();
        ValueWebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(frame.GetMemory(4096), ct);
            frame.Advance(result.Count);
        } while (!result.EndOfMessage);
        if (result.MessageType == WebSocketMessageType.Close)
            throw new InvalidOperationException($"the server closed the connection: {socket.CloseStatus} {socket.CloseStatusDescription}");
    }

    /// <summary>
    /// Reads a delivery's data and writes its ack; false for a frame that needs none (a change
    /// notification). A delivery is the event's fields, so its <c>type</c> is the event type.
    /// </summary>
    private static bool Read(ReadOnlyMemory<byte> utf8, ArrayBufferWriter<byte> ack, out long sequence, out long published)
    {
        using var document = JsonDocument.Parse(utf8);
        var root = document.RootElement;
        switch (root.TryGetProperty("type", out var type) ? type.GetString() : null)
        {
            case "protocol_error":
                throw new InvalidOperationException($"protocol_error: {root.GetProperty("error").GetString()}");
            case "change_notification":
                sequence = published = 0;
                return false;
            case "event_batch":
                throw new InvalidOperationException("an event_batch arrived on a subscription without batch");
        }
        var data = root.TryGetProperty("data", out var d) ? d : throw new InvalidOperationException($"event {root.GetProperty("sequence")} arrived without data");
        (sequence, published) = BenchPayload.Read(data);

        ack.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(ack);
        writer.WriteStartObject();
        writer.WriteString("type", "ack");
        writer.WriteString("id", root.GetProperty("id").GetString());
        writer.WriteStartObject("subscription");
        writer.WriteString("id", root.GetProperty("subscription").GetProperty("id").GetString());
        writer.WriteEndObject();
        writer.WriteEndObject();
        return true;
    }

    // Everything is acked, so nothing is in flight: close without waiting long for the server's reply.
    private static async Task CloseAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(CloseTimeout);
        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            Progress.Log($"closing the WebSocket: {e.Message}");
        }
    }
}
