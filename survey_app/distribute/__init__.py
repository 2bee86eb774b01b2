"""Handing out an assessment: team links, QR codes, personal invitations and their e-mails."""
