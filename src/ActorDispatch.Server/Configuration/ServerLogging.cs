using Microsoft.Extensions.Configuration.Memory;

namespace ActorDispatch.Server.Configuration;

/// <summary>
/// The server's logging: at the default level what an operator needs (start, storage, addresses,
/// failures), not ASP.NET Core's lines for every request; JSON lines on the console when
/// <c>ActorDispatch:Logging:Json</c> is true.
/// </summary>
internal static class ServerLogging
{
    // Defaults beneath every configuration source, so that appsettings.json, the environment or the
    // command line (Logging:LogLevel:Microsoft.AspNetCore=Information) turn them back on. They are
    // not in code filters, which would win over the configuration. The hosting lifetime's own
    // lines ("Now listening on", "Content root path") are replaced by StartupLog's one line.
    private static readonly Dictionary<string, string?> QuietDefaults = new()
    {
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
    };

    public static void Configure(WebApplicationBuilder builder, ServerSettings settings)
    {
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = QuietDefaults });
        if (settings.JsonLogs) builder.Logging.AddJsonConsole();
    }
}
