#!/usr/bin/perl
# Echoes what the application sees, as JSON: the process id, REMOTE_USER,
# every OIDC_* variable and every HTTP_* (request header) variable, and the
# names set twice.
use strict;
use warnings;

sub esc {
    my ($s) = @_;
    $s =~ s/(["\\])/\\$1/g;
    $s =~ s/([\x00-\x1f])/sprintf('\\u%04x', ord($1))/ge;
    return "\"$s\"";
}

my @pairs = ('"pid":' . $$, '"ppid":' . getppid());
for my $k (sort keys %ENV) {
    next unless $k =~ /^(OIDC|HTTP_|REMOTE_USER$|AUTH_TYPE$|REQUEST_METHOD$)/;
    push @pairs, esc($k) . ':' . esc($ENV{$k});
}
# Names the environment holds more than once (ignoring case, as httpd's
# tables do), which %ENV would hide.
my (%seen, @dups);
if (open(my $fh, '<', '/proc/self/environ')) {
    local $/;
    my $raw = <$fh>;
    for my $kv (split /\0/, $raw) {
        my ($k) = split /=/, $kv, 2;
        push @dups, $k if $seen{lc $k}++ == 1;
    }
}
push @pairs, '"environ_dups":' . esc(join(',', @dups));
my $body = '';
if (($ENV{REQUEST_METHOD} || '') eq 'POST') {
    read(STDIN, $body, $ENV{CONTENT_LENGTH} || 0);
}
push @pairs, '"body":' . esc($body);
print "Content-Type: application/json\r\n\r\n{" . join(',', @pairs) . "}\n";
