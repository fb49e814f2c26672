namespace ActorDispatch.Server.Diagnostics;

/// <summary><c>ActorDispatch:Metrics:Enabled</c> (default true): false collects nothing and serves no <c>/metrics</c>.</summary>
internal sealed record MetricsSettings(bool Enabled)
{
    public const string Setting = $"{ServerSettings.Section}:Metrics:Enabled";

    public static MetricsSettings From(IConfiguration configuration) => configuration[Setting] switch
    {
        null or "" => new MetricsSettings(true),
        var v when bool.TryParse(v, out var enabled) => new MetricsSettings(enabled),
        var v => throw new InvalidOperationException($"{Setting} must be true or false, not '{v}'"),
    };
}
