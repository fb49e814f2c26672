using Akka.Configuration;

namespace ActorDispatch.Benchmarks.Shared;

/// <summary>HOCON flag values; apart from <see cref="Flags"/>, which PeerBench (no Akka.NET) compiles in too.</summary>
internal static class HoconFlag
{
    /// <summary>A HOCON value, checked here and returned as text so that it can be printed with the results.</summary>
    public static string Hocon(this Flags flags)
    {
        var flag = flags.Current;
        var text = flags.Value();
        try
        {
            ConfigurationFactory.ParseString(text);
            return text;
        }
        catch (Exception e)
        {
            throw new ArgumentException($"{flag} is not valid HOCON: {e.Message}");
        }
    }
}
