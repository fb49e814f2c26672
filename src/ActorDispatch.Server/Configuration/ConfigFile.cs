using ActorDispatch.Configuration;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorDispatch.Server.Configuration;

/// <summary>
/// <c>ActorDispatch:ConfigFile</c>: an operator's HOCON file of engine and transport settings
/// (<c>actordispatch.*</c>), layered beneath what the server derives from its own keys and over the
/// reference defaults. Whatever is wrong with it stops the server at start, naming the setting, the
/// file and, where the parser can tell, the line.
/// </summary>
internal static class ConfigFile
{
    public const string Setting = ServerSettings.Section + ":ConfigFile";

    // Only the engine's own tree is read. akka.* is refused: the server writes the persistence,
    // remoting and cluster settings from its ActorDispatch:* keys, and the rest of Akka is not a
    // surface the engine checks or documents (refusing it now can be relaxed later; the reverse
    // would break files). Any other top-level key is refused too, so a misspelled root does not
    // pass as a file that sets nothing.
    private const string Root = "actordispatch";

    // Set by the server from its own keys, in cluster mode only; from a file they would contradict
    // them (a single node told it is a cluster member).
    private static readonly Dictionary<string, string> ServerOwned = new(StringComparer.Ordinal)
    {
        ["actordispatch.cluster.enabled"] = $"{ServerSettings.Section}:Cluster:Enabled",
        ["actordispatch.cluster.node-name"] = $"{ServerSettings.Section}:NodeName",
        ["actordispatch.cluster.lease.connection-string"] = $"{ServerSettings.Section}:Storage:Postgres",
    };

    /// <summary>The file's configuration, or <see cref="Config.Empty"/> when no file is set.</summary>
    public static Config Load(string? path)
    {
        if (path is null) return Config.Empty;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw Refused(path, $"cannot be read: {ex.Message}", ex);
        }
        if (HoconSyntax.FirstProblem(text) is { } problem) throw Refused(path, $"is not valid HOCON: {problem}");
        Config config;
        try
        {
            config = ConfigurationFactory.ParseString(text);
        }
        catch (Exception ex) when (ex is FormatException or ConfigurationException or InvalidOperationException)
        {
            throw Refused(path, $"is not valid HOCON: {HoconSyntax.WithLine(ex.Message, text)}", ex);
        }
        Check(path, config);
        return config;
    }

    private static void Check(string path, Config config)
    {
        if (config.IsEmpty) return;
        foreach (var key in config.Root.GetObject().Items.Keys.Where(k => k != Root))
            throw Refused(path, $"sets '{key}': only {Root}.* settings are read (akka.* follows from the server's {ServerSettings.Section}:* settings)");
        var reference = ActorDispatchConfig.Reference;
        foreach (var (key, value) in Leaves(config.Root.GetObject(), ""))
        {
            if (ServerOwned.TryGetValue(key, out var own)) throw Refused(path, $"sets '{key}', which the server sets from {own}");
            if (value.IsEmpty) throw Refused(path, $"gives '{key}' no value");
            // Transports check their own keys (an unknown one fails the engine's start, naming it).
            if (!key.StartsWith($"{Root}.transports.", StringComparison.Ordinal) && !reference.HasPath(key))
                throw Refused(path, $"sets '{key}', which is not an engine setting (see hocon/reference.conf)");
        }
    }

    private static IEnumerable<(string Key, HoconValue Value)> Leaves(HoconObject obj, string prefix)
    {
        foreach (var (name, value) in obj.Items)
        {
            if (value.IsObject())
            {
                foreach (var leaf in Leaves(value.GetObject(), prefix + name + ".")) yield return leaf;
            }
            else yield return (prefix + name, value);
        }
    }

    private static InvalidOperationException Refused(string path, string problem, Exception? cause = null) =>
        new($"{Setting}: the file '{path}' {problem}", cause);
}
