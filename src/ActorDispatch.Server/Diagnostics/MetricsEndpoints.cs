using System.Diagnostics.Metrics;
using ActorDispatch.Diagnostics;
using ActorDispatch.Server.Auth;
using OpenTelemetry.Metrics;

using ActorDispatch.Server.Diagnostics;

namespace ActorDispatch.Server;

/// <summary>
/// Prometheus metrics at <c>GET /metrics</c>: the engine's meter (<see cref="ActorDispatchMeter.Name"/>),
/// the .NET runtime, ASP.NET Core (hosting, Kestrel) and HttpClient meters, in the Prometheus text format.
/// </summary>
/// <remarks>
/// OpenTelemetry's exporter (OpenTelemetry.Exporter.Prometheus.AspNetCore, a beta) rather than
/// prometheus-net: the engine instruments with System.Diagnostics.Metrics, which OpenTelemetry reads
/// natively (names, units, histogram advice, the runtime and ASP.NET Core meters) and which an
/// operator can send elsewhere (OTLP) by swapping the exporter, not the instrumentation. The beta
/// only concerns the text rendering; the SDK and hosting packages are stable.
/// </remarks>
public static class MetricsEndpoints
{
    public const string Path = "/metrics";

    public static WebApplicationBuilder AddActorDispatchMetrics(this WebApplicationBuilder builder)
    {
        var settings = MetricsSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(MetricsAccess.From(builder.Configuration));
        if (!settings.Enabled) return builder;
        builder.Services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics
                .AddMeter(ActorDispatchMeter.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http")
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter();
            // The host's meter factory is known once its services are built.
            ((IDeferredMeterProviderBuilder)metrics).Configure(KeepToOwnMeters);
        });
        return builder;
    }

    public static WebApplication MapActorDispatchMetrics(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<MetricsSettings>().Enabled) return app;
        var auth = app.Services.GetRequiredService<AuthSettings>();
        var access = app.Services.GetRequiredService<MetricsAccess>();
        app.MapPrometheusScrapingEndpoint(Path, meterProvider: null, configureBranchedPipeline: branch => branch.UseMetricsAuth(auth, access), optionsName: null);
        return app;
    }

    // Meters made by another host's factory belong to another server in the same process (tests run
    // several): this one reports its own engine and requests only. Process-wide meters (runtime,
    // HttpClient) have no factory and are kept.
    private static void KeepToOwnMeters(IServiceProvider services, MeterProviderBuilder metrics) =>
        metrics.AddView(OwnMetersOnly(services.GetRequiredService<IMeterFactory>()));

    private static Func<Instrument, MetricStreamConfiguration?> OwnMetersOnly(IMeterFactory own) =>
        instrument => instrument.Meter.Scope is IMeterFactory factory && !ReferenceEquals(factory, own) ? MetricStreamConfiguration.Drop : null;
}
