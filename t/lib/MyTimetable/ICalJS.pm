package MyTimetable::ICalJS;

# A response body filter for the Test::Nginx files: a calendar (a body that
# starts with BEGIN:VCALENDAR) is replaced by what ical.js, an independent
# RFC 5545 parser, understood of it (t/ical/check-calendar.mjs: one line for
# the calendar, one per event, one per problem); any other body is left as it
# is, so that one filter serves every request of a block:
#
#   --- response_body_filters eval
#   \&MyTimetable::ICalJS::ical_js
#
# It needs node and ical.js, which `make deps` and `make t` install.

use strict;
use warnings;

use Exporter 'import';
use File::Basename qw(dirname);
use File::Spec;
use File::Temp qw(tempfile);

our @EXPORT_OK = qw(ical_js);

my $script = File::Spec->rel2abs(dirname(__FILE__) . '/../../ical/check-calendar.mjs');

sub ical_js {
    my $body = shift;
    return $body unless defined $body && $body =~ /^BEGIN:VCALENDAR\r\n/;
    my ($fh, $file) = tempfile('mtt-ical-XXXXXX', TMPDIR => 1, UNLINK => 1);
    binmode $fh;
    print $fh $body;
    close $fh;
    my $out = `node '$script' < '$file' 2>&1`;
    my $rc = $? >> 8;
    unlink $file;
    $out .= "exit $rc\n" if $rc;
    return $out;
}

1;
