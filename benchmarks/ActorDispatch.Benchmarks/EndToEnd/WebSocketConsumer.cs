using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.Transports.WebSockets.Internal;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// Consumes a durable subscription over <c>/ws</c> the way a FireFly client does: a query-string
/// auto-start, one delivery per text frame, and an ack
/// <c>{"type":"ack","id":…,"subscription":{"id":…}}</c> for each, until each of the <c>expected</c>
/// sequences has arrived; then the connection closes. Acks are held while further frames are already
/// there to read, and written together (one socket write) before the client waits for more, as NATS
/// clients flush; with <c>ackEachWrite</c> each ack is written at once, as FireFly's Go client does.
/// The client is <see cref="LeanWebSocket"/> or, with <see cref="WsClient.DotNet"/>, .NET's
/// <see cref="ClientWebSocket"/>.
/// </summary>
internal static class WebSocketConsumer
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    public static Task<ConsumeResult> RunAsync(Uri uri, int expected, WsClient client, bool ackEachWrite, CancellationToken ct) =>
        client == WsClient.Lean ? RunLeanAsync(uri, expected, ackEachWrite, ct) : RunDotNetAsync(uri, expected, ackEachWrite, ct);

    private static async Task<ConsumeResult> RunLeanAsync(Uri uri, int expected, bool ackEachWrite, CancellationToken ct)
    {
        var sequences = new SequenceTracker(expected);
        var latencies = new Latencies(expected);
        var ack = new ArrayBufferWriter<byte>(256);
        await using var json = new Utf8JsonWriter(ack);
        var start = Stopwatch.GetTimestamp();
        using var socket = await LeanWebSocket.ConnectAsync(uri, ct);
        // Cancellation ends the connection, which fails whatever is pending.
        await using (ct.UnsafeRegister(static s => ((LeanWebSocket)s!).Dispose(), socket))
        {
            try
            {
                while (!sequences.Complete)
                {
                    if (!socket.TryRead(out var frame))
                    {
                        // Nothing more to read now: the acks held so far leave before the client waits.
                        await socket.FlushAsync();
                        await socket.ReceiveAsync();
                        continue;
                    }
                    var received = Stopwatch.GetTimestamp();
                    if (!Read(frame.Span, json, ack, out var sequence, out var published)) continue;
                    if (sequences.See(sequence)) latencies.Add(received - published);
                    socket.QueueText(ack.WrittenSpan);
                    if (ackEachWrite) await socket.FlushAsync();
                }
                await socket.FlushAsync();
            }
            catch (Exception e) when (ct.IsCancellationRequested && e is SocketException or IOException or ObjectDisposedException)
            {
                throw new OperationCanceledException(ct);
            }
        }
        var end = Stopwatch.GetTimestamp();
        try
        {
            await socket.CloseOutputAsync("done");
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            Progress.Log($"closing the WebSocket: {e.Message}");
        }
        return new ConsumeResult(new Interval(start, end), sequences, latencies);
    }

    private static async Task<ConsumeResult> RunDotNetAsync(Uri uri, int expected, bool ackEachWrite, CancellationToken ct)
    {
        var sequences = new SequenceTracker(expected);
        var latencies = new Latencies(expected);
        var frame = new ArrayBufferWriter<byte>(4096);
        var ack = new ArrayBufferWriter<byte>(256);
        await using var json = new Utf8JsonWriter(ack);
        ConnectionStream? stream = null;
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, token);
                    return stream = new ConnectionStream(new NetworkStream(socket, ownsSocket: true));
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        using var invoker = new HttpMessageInvoker(handler);
        using var socket = new ClientWebSocket();
        var start = Stopwatch.GetTimestamp();
        await socket.ConnectAsync(uri, invoker, ct);
        // The stream to hold acks on, unless each is written at once.
        var holding = ackEachWrite ? null : stream!;
        holding?.Hold();
        // Cancellation aborts the socket once, rather than registering on every send and receive
        // (a send with a token that can be cancelled also leaves ManagedWebSocket's fast path).
        await using (ct.UnsafeRegister(static s => ((WebSocket)s!).Abort(), socket))
        {
            try
            {
                while (true)
                {
                    await ReceiveAsync(socket, holding, frame);
                    var received = Stopwatch.GetTimestamp();
                    if (!Read(frame.WrittenSpan, json, ack, out var sequence, out var published)) continue;
                    if (sequences.See(sequence)) latencies.Add(received - published);
                    await socket.SendAsync(ack.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                    if (sequences.Complete) break;
                }
            }
            catch (Exception e) when (ct.IsCancellationRequested && e is WebSocketException or IOException or ObjectDisposedException)
            {
                throw new OperationCanceledException(ct);
            }
        }
        if (holding is not null) await holding.ReleaseAsync();
        var end = Stopwatch.GetTimestamp();
        await CloseAsync(socket);
        return new ConsumeResult(new Interval(start, end), sequences, latencies);
    }

    /// <summary>
    /// One whole message into <paramref name="frame"/>; a close from the server is an error. Held acks
    /// are written before the client waits for a frame (and go on being held after it).
    /// </summary>
    private static async Task ReceiveAsync(ClientWebSocket socket, ConnectionStream? holding, ArrayBufferWriter<byte> frame)
    {
        frame.ResetWrittenCount();
        ValueWebSocketReceiveResult result;
        do
        {
            var receive = socket.ReceiveAsync(frame.GetMemory(4096), CancellationToken.None);
            if (holding is not null && !receive.IsCompleted)
            {
                await holding.ReleaseAsync();
                holding.Hold();
            }
            result = await receive;
            frame.Advance(result.Count);
        } while (!result.EndOfMessage);
        if (result.MessageType == WebSocketMessageType.Close)
            throw new InvalidOperationException($"the server closed the connection: {socket.CloseStatus} {socket.CloseStatusDescription}");
    }

    /// <summary>
    /// Reads a delivery's data and writes its ack, in one pass over the frame and with no
    /// allocation; false for a frame that needs none (a change notification). A delivery is the
    /// event's fields, so its <c>type</c> is the event type. Also the failover measurement's reader.
    /// </summary>
    internal static bool Read(ReadOnlySpan<byte> utf8, Utf8JsonWriter json, ArrayBufferWriter<byte> ack, out long sequence, out long published)
    {
        sequence = published = 0;
        var reader = new Utf8JsonReader(utf8);
        ReadOnlySpan<byte> id = default, subscriptionId = default;
        var hasData = false;
        reader.Read(); // the frame's object
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                if (reader.ValueTextEquals("protocol_error"u8)) throw new InvalidOperationException($"protocol_error: {Encoding.UTF8.GetString(utf8)}");
                if (reader.ValueTextEquals("change_notification"u8)) return false;
                if (reader.ValueTextEquals("event_batch"u8)) throw new InvalidOperationException("an event_batch arrived on a subscription without batch");
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = reader.ValueSpan; // a UUID: never escaped
            }
            else if (reader.ValueTextEquals("subscription"u8))
            {
                reader.Read();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isId = reader.ValueTextEquals("id"u8);
                    reader.Read();
                    if (isId) subscriptionId = reader.ValueSpan;
                    else reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                (sequence, published) = BenchPayload.Read(ref reader);
                hasData = true;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (!hasData) throw new InvalidOperationException($"an event arrived without data: {Encoding.UTF8.GetString(utf8)}");

        ack.ResetWrittenCount();
        json.Reset(ack);
        json.WriteStartObject();
        json.WriteString("type"u8, "ack"u8);
        json.WriteString("id"u8, id);
        json.WriteStartObject("subscription"u8);
        json.WriteString("id"u8, subscriptionId);
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
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
