package MyTimetable::Promtool;

# Prometheus' own check of the metrics text: `promtool check metrics` (Debian
# package prometheus, which `make deps` installs) reads the exposition and
# reports what it cannot parse and what breaks Prometheus' naming rules.
#
# As a response body filter for the Test::Nginx files, an exposition (a body
# that starts with "# HELP ") is replaced by promtool's verdict, any other
# body is left as it is:
#
#   --- response_body_filters eval
#   \&MyTimetable::Promtool::promtool
#
# which is "promtool check metrics: ok\n" when it passes, else what promtool
# printed and its exit status.

use strict;
use warnings;

use Exporter 'import';
use File::Temp qw(tempfile);

our @EXPORT_OK = qw(promtool check);

# promtool's output and exit status for the text `$body`.
sub check {
    my $body = shift;
    my ($fh, $file) = tempfile('mtt-metrics-XXXXXX', TMPDIR => 1, UNLINK => 1);
    binmode $fh;
    print $fh $body;
    close $fh;
    my $out = `promtool check metrics < '$file' 2>&1`;
    my $rc = $? == -1 ? 127 : $? >> 8;
    unlink $file;
    return ($out, $rc);
}

sub promtool {
    my $body = shift;
    return $body unless defined $body && $body =~ /\A# HELP /;
    my ($out, $rc) = check($body);
    return "promtool check metrics: ok\n" if $rc == 0 && $out eq '';
    return $out . "exit $rc\n";
}

1;
