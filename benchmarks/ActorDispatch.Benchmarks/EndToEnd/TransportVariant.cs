using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>The WebSocket client that consumes each subscription (<c>--ws-client</c>).</summary>
internal enum WsClient
{
    /// <summary><see cref="LeanWebSocket"/>: the protocol and little else, so the server has the cores.</summary>
    Lean,

    /// <summary>.NET's <see cref="System.Net.WebSockets.ClientWebSocket"/>, as a .NET application would use it.</summary>
    DotNet,
}

internal enum TransportKind
{
    /// <summary>The engine's built-in <c>system</c> transport: <see cref="IActorDispatch.ListenAsync"/>.</summary>
    InProcess,

    /// <summary>The server's <c>websockets</c> transport, consumed by a WebSocket client on <c>/ws</c> (see <see cref="WsClient"/>).</summary>
    WebSocket,

    /// <summary>The server's <c>webhooks</c> transport, posting to a local Kestrel receiver.</summary>
    Webhook,

    /// <summary>The server's <c>amqp</c> transport, publishing with confirms to a RabbitMQ on loopback, consumed here.</summary>
    Amqp,

    /// <summary>The server's <c>mqtt</c> transport, publishing to an MQTT broker on loopback at <c>--mqtt-qos</c>, consumed here.</summary>
    Mqtt,
}

/// <summary>
/// How the benchmark's subscriptions are consumed: the transport, the subscription's
/// <c>readAhead</c> and, for webhooks, whether deliveries are batched. One table per variant.
/// </summary>
internal sealed partial record TransportVariant(TransportKind Kind, string Label, int ReadAhead, int BatchSize)
{
    /// <summary>The webhook variants <c>--transport webhook</c> runs unless <c>--webhook-variants</c> says otherwise.</summary>
    public const string DefaultWebhookVariants = "ra0,ra100,batch50";

    public bool Batch => BatchSize > 0;

    public static TransportVariant InProcess(int readAhead) => new(TransportKind.InProcess, "in-process", readAhead, 0);

    public static TransportVariant WebSocket(int readAhead) => new(TransportKind.WebSocket, "websocket", readAhead, 0);

    public static TransportVariant Amqp(int readAhead) => new(TransportKind.Amqp, $"amqp readAhead={readAhead}", readAhead, 0);

    public static TransportVariant Mqtt(int readAhead, int qos) => new(TransportKind.Mqtt, $"mqtt qos={qos} readAhead={readAhead}", readAhead, 0);

    /// <summary>
    /// <c>ra&lt;N&gt;</c>: one event per request, readAhead N (N + 1 requests in parallel);
    /// <c>batch&lt;S&gt;</c> or <c>batch&lt;S&gt;-ra&lt;N&gt;</c>: arrays of up to S events, readAhead N batches (default 0).
    /// </summary>
    public static TransportVariant Webhook(string token)
    {
        var m = WebhookToken().Match(token.Trim().ToLowerInvariant());
        if (!m.Success) throw new ArgumentException($"--webhook-variants takes ra<N>, batch<S> or batch<S>-ra<N> (e.g. {DefaultWebhookVariants}), not '{token}'");
        var batchSize = m.Groups["batch"].Success ? Int(m.Groups["batch"].Value) : 0;
        var readAhead = m.Groups["ra"].Success ? Int(m.Groups["ra"].Value) : 0;
        if (readAhead > 65535) throw new ArgumentException($"--webhook-variants: readAhead must be 0..65535, not {readAhead} in '{token}'");
        if (m.Groups["batch"].Success && batchSize < 1) throw new ArgumentException($"--webhook-variants: batch size must be at least 1 in '{token}'");
        var label = batchSize > 0 ? $"webhook batch={batchSize} readAhead={readAhead}" : $"webhook readAhead={readAhead}";
        return new TransportVariant(TransportKind.Webhook, label, readAhead, batchSize);
    }

    /// <summary>A JSON-friendly key, e.g. <c>ra100</c> or <c>batch50-ra0</c>.</summary>
    public string Key => Kind switch
    {
        TransportKind.Webhook => Batch ? $"batch{BatchSize}-ra{ReadAhead}" : $"ra{ReadAhead}",
        TransportKind.Amqp or TransportKind.Mqtt => $"ra{ReadAhead}",
        _ => Label,
    };

    private static int Int(string digits) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new ArgumentException($"--webhook-variants: '{digits}' is too large");

    [GeneratedRegex(@"^(?:ra(?<ra>\d+)|batch(?<batch>\d+)(?:-ra(?<ra>\d+))?)$")]
    private static partial Regex WebhookToken();
}
