using ActorDispatch.Diagnostics;
using ActorDispatch.Server.Diagnostics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ActorDispatch.Server;

/// <summary>
/// Spans of the engine (<see cref="ActorDispatchTracing.SourceName"/>: appends and deliveries),
/// exported over OTLP when an endpoint is set, which also sends the metrics there.
/// </summary>
internal static class TracingSetup
{
    public static WebApplicationBuilder AddActorDispatchTracing(this WebApplicationBuilder builder)
    {
        var settings = TracingSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        if (settings.Enabled)
        {
            builder.Services.AddOpenTelemetry().WithTracing(tracing =>
            {
                // The engine's spans only: ASP.NET Core's request span, with its dozen tags, cost more
                // per append than the append span itself; an append span is still the caller's child.
                tracing.AddSource(ActorDispatchTracing.SourceName);
                if (settings.OtlpEndpoint is not null)
                {
                    tracing.AddOtlpExporter(o =>
                    {
                        o.Endpoint = settings.SignalEndpoint("/v1/traces");
                        o.Protocol = settings.Protocol;
                    });
                }
            });
        }
        if (settings.OtlpEndpoint is not null && MetricsSettings.From(builder.Configuration).Enabled)
        {
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddOtlpExporter(o =>
            {
                o.Endpoint = settings.SignalEndpoint("/v1/metrics");
                o.Protocol = settings.Protocol;
            }));
        }
        return builder;
    }
}
