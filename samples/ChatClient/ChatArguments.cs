using System.Diagnostics.CodeAnalysis;

namespace ChatClient;

/// <summary>The command line: <c>--server</c>, <c>--user</c>, <c>--device</c>.</summary>
internal sealed record ChatArguments(Uri Server, string User, string Device)
{
    public static bool TryParse(string[] args, [NotNullWhen(true)] out ChatArguments? arguments, [NotNullWhen(false)] out string? problem)
    {
        var server = "http://localhost:5000";
        string? user = null;
        var device = "console";
        arguments = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (i + 1 >= args.Length)
            {
                problem = $"{args[i]} needs a value.";
                return false;
            }

            switch (args[i])
            {
                case "--server":
                    server = args[++i];
                    break;
                case "--user":
                    user = args[++i];
                    break;
                case "--device":
                    device = args[++i];
                    break;
                default:
                    problem = $"unknown option {args[i]}.";
                    return false;
            }
        }

        if (string.IsNullOrWhiteSpace(user))
        {
            problem = "--user is required.";
            return false;
        }

        if (!Uri.TryCreate(server, UriKind.Absolute, out var serverUri))
        {
            problem = $"--server {server} is not an absolute URL.";
            return false;
        }

        arguments = new ChatArguments(serverUri, user, device);
        problem = null;
        return true;
    }
}
