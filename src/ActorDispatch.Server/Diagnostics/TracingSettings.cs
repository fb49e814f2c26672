using OpenTelemetry.Exporter;

namespace ActorDispatch.Server.Diagnostics;

/// <summary>
/// <c>ActorDispatch:Tracing:Enabled</c> (records spans; by default only when there is somewhere to
/// send them) and <c>ActorDispatch:Otlp:Endpoint</c> / <c>:Protocol</c> (the OTLP collector that gets
/// the spans and metrics; none by default). Deliveries carry their append's trace context either way.
/// </summary>
internal sealed record TracingSettings(bool Enabled, Uri? OtlpEndpoint, OtlpExportProtocol Protocol)
{
    public const string EnabledSetting = $"{ServerSettings.Section}:Tracing:Enabled";
    public const string EndpointSetting = $"{ServerSettings.Section}:Otlp:Endpoint";
    public const string ProtocolSetting = $"{ServerSettings.Section}:Otlp:Protocol";

    public static TracingSettings From(IConfiguration configuration)
    {
        Uri? endpoint = null;
        if (configuration[EndpointSetting] is { Length: > 0 } text &&
            (!Uri.TryCreate(text, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https")))
            throw new InvalidOperationException($"{EndpointSetting} must be an absolute http or https URL, not '{text}'");

        var protocol = configuration[ProtocolSetting] switch
        {
            null or "" or "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            "grpc" => OtlpExportProtocol.Grpc,
            var other => throw new InvalidOperationException($"{ProtocolSetting} must be 'http/protobuf' or 'grpc', not '{other}'"),
        };

        var enabled = configuration[EnabledSetting] switch
        {
            null or "" => endpoint is not null,
            var v when bool.TryParse(v, out var b) => b,
            var other => throw new InvalidOperationException($"{EnabledSetting} must be true or false, not '{other}'"),
        };
        return new TracingSettings(enabled, endpoint, protocol);
    }

    /// <summary>
    /// The address one signal is posted to: with http/protobuf the exporter takes the full path, so a
    /// collector's base address gets the signal's standard one (<c>/v1/traces</c>, <c>/v1/metrics</c>).
    /// </summary>
    public Uri SignalEndpoint(string signalPath) =>
        Protocol == OtlpExportProtocol.HttpProtobuf && OtlpEndpoint!.AbsolutePath is "/" or ""
            ? new Uri(OtlpEndpoint, signalPath)
            : OtlpEndpoint!;
}
