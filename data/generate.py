#!/usr/bin/env python3
"""Synthetic support history for Brindle Home, a fictional online retailer of smart-home devices
and kitchen appliances (customer accounts, the paid "Brindle Plus" membership, orders, shipping,
returns, refunds, warranty and product faults).

    python data/generate.py [--out data/sample] [--seed 7]

writes intents.json, conversations.jsonl, tickets.jsonl, eval_queries.jsonl, eval_questions.jsonl
and README.md. Pure standard library; every random choice comes from one ``random.Random(seed)``
walked in a fixed order, and no clock is read, so the output is byte-identical on every run.

Layout of this file: the intent table (all hand-written text) first, then the shared phrase tables
(greetings, follow-ups, PII sentences), then small functions that render and write the files.

Text written for each intent, and what it is used for:
  user        first-turn problem statements for conversations (slots {order} and {amount})
  answers     the agent's first answer; each one contains every keyphrase verbatim
  eta         reply to "how long will it take?"
  escalate    reply to "it didn't work"
  subjects, ticket_q, ticket_details, ticket_res   the helpdesk export (tickets.jsonl); the
              questions are worded differently from ``user`` on purpose
  queries     held-out retrieval queries: indirect paraphrases that avoid the tickets' key words,
              so keyword search (BM25) is measurably worse than semantic search on them
  eval        held-out customer questions for evaluating the chat model (never used in training)

Rule for every assistant text: it may contain no number, amount, e-mail or URL except the ones in
that intent's canonical ``resolution`` (fixed company facts) or the ones the customer wrote in the
same conversation (order numbers and amounts, inserted by the renderer). check_assistant_facts()
enforces it at generation time.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from datetime import datetime, timedelta
from pathlib import Path

# --------------------------------------------------------------------------------------------------
# Intents. "era": "base" intents make up the older history (2024-01-01 .. 2025-08-31); "recent"
# ones only occur in the newest logs (2025-09-01 .. 2025-12-31): the Brindle Aura air purifier
# launch, the Trade-In programme and the return window change from 30 to 60 days. A model trained
# on base-era data alone answers "30 days" where the recent answer is "60 days".
# "order": the customer often quotes an order number (and the agent then repeats it verbatim).
# "amount": the customer often quotes an amount such as $49.99.
# --------------------------------------------------------------------------------------------------

INTENTS: list[dict] = [
    # ---------------------------------------------------------------------------------- account
    {
        "intent": "password_reset",
        "category": "account",
        "era": "base",
        "title": "Reset a forgotten password",
        "keyphrases": ["Forgot password", "60 minutes"],
        "resolution": (
            "On the sign-in page select Forgot password and enter the email address on your account. "
            "We send a reset link that stays valid for 60 minutes: open it, choose a new password and "
            "sign in. If the email doesn't arrive, check your spam folder and request a fresh link."
        ),
        "user": [
            "I forgot my password and can't log in.",
            "I can't remember the password for my Brindle account, how do I reset it?",
            "My password isn't working anymore and I honestly don't know what it is.",
            "How do I reset my password?",
            "I requested a password reset but the link says it has expired.",
            "The password reset email never showed up in my inbox.",
            "I keep getting 'incorrect password' when I sign in, I think I've forgotten it.",
            "I need a new password because I can't remember the old one.",
            "I got locked out after typing the wrong password too many times. How do I get back in?",
            "The reset password link isn't working for me.",
            "I clicked reset password yesterday and now the link won't open.",
        ],
        "answers": [
            "To set a new password, go to the sign-in page and select Forgot password, then enter the "
            "email address on your account. We'll email you a reset link that works for 60 minutes: "
            "open it, pick a new password and you're back in. If it doesn't arrive, have a look in your "
            "spam folder and request a new one.",
            "No problem. On the sign-in screen click Forgot password and type the email you registered "
            "with. The reset link we send expires after 60 minutes, so use it soon; if an older link has "
            "expired, just request a fresh one the same way. Check spam if you can't find the email.",
            "You can reset it yourself: choose Forgot password on the sign-in page, enter your account "
            "email and follow the link in the email we send. The link is valid for 60 minutes. Once the "
            "new password is set, use it to sign in on all your devices.",
        ],
        "eta": [
            "The reset email normally arrives within a couple of minutes, and the link then stays valid "
            "for 60 minutes.",
        ],
        "escalate": [
            "Sorry it's still not working. Please request one more link with Forgot password and open "
            "it in a private browser window within 60 minutes, using the email address on your account. "
            "If nothing arrives at all, I'll ask our account team to check which address is registered.",
        ],
        "subjects": [
            "Can't log in - forgotten password",
            "Password reset link expired",
            "Reset email not received",
            "Locked out of my account",
        ],
        "ticket_q": [
            "I have forgotten the password for my Brindle Home account and cannot sign in to check my orders.",
            "The password reset link I received says it is no longer valid when I open it.",
            "I asked for a password reset three times and no email has come through.",
            "After too many wrong attempts the site says my account is temporarily locked and I don't know my password.",
            "The password saved in my browser stopped working after I cleared my cookies, I'd like to set a new one.",
            "Sign-in keeps rejecting my password even though I'm sure the email is right.",
            "Could you send me a link to choose a new password? I can't remember mine.",
            "The password reset page just loops back to the sign-in screen.",
        ],
        "ticket_details": [
            "I'm using the app on my phone.",
            "I've checked the spam folder already.",
            "I need to get in to download an invoice.",
            "It worked fine last month.",
        ],
        "ticket_res": [
            "Customer had forgotten their password. Walked them through Forgot password on the sign-in page; "
            "the reset email was in spam. Reminded them the link is valid for 60 minutes. Customer signed in.",
            "Reset link had expired (older than 60 minutes). Asked the customer to request a new one via "
            "Forgot password and open it straight away. Confirmed they could log in with the new password.",
            "Account temporarily locked after failed attempts. Explained the Forgot password flow and the "
            "60 minutes link validity; customer set a new password and the lock cleared.",
        ],
        "queries": [
            "I can't get into my account anymore",
            "lost my login credentials for the website",
            "how do I regain access when I can't recall my login secret",
            "the recovery email you sent me has timed out",
            "I don't remember how to log on to my profile",
            "profile blocked after several failed login tries",
            "I can't recall my login secret and the message to change it never arrived",
            "what do I do if I can't recall my login details",
            "I need to get back into my profile but my login is refused",
            "my usual login combination gets refused now",
        ],
        "eval": [
            "I've forgotten my password and the app won't let me in. How can I set a new one?",
            "The reset password email I got this morning no longer works.",
            "I can't sign in because I don't remember my password.",
            "How can I get a new password? The old one isn't accepted.",
            "I've tried resetting my password but the email never comes.",
        ],
    },
    {
        "intent": "two_factor_lost_phone",
        "category": "account",
        "era": "base",
        "title": "Lost the phone used for two-step verification",
        "keyphrases": ["backup code", "Identity Verification form"],
        "resolution": (
            "On the verification screen choose Use a backup code and enter one of the backup codes you saved "
            "when you turned on two-step verification. If you have no backup code, submit the Identity "
            "Verification form linked from the sign-in page; our security team reviews it within 2 business "
            "days and removes the old authenticator so you can set up your new phone."
        ),
        "user": [
            "I lost my phone and now I can't get the two-step verification code to sign in.",
            "My authenticator app was on my old phone, which I no longer have. How do I log in?",
            "I got a new phone and the 2FA codes don't work anymore.",
            "Sign-in asks for a verification code from my authenticator but I reset my phone.",
            "My phone was stolen and it had the app that generates my login codes.",
            "I switched phones and didn't move the authenticator app over. Now I'm stuck at the code screen.",
            "Two-factor authentication is blocking me because I don't have my old phone.",
            "I can't receive the security code anymore since I changed phones.",
            "How do I turn off two-step verification if I lost the device it's on?",
            "The 6-digit code screen won't let me past and my authenticator is gone.",
        ],
        "answers": [
            "You can still get in: on the verification screen choose Use a backup code and enter one of the "
            "backup codes you saved when you set up two-step verification. If you don't have a backup code, "
            "fill in the Identity Verification form linked from the sign-in page. Our security team reviews "
            "it within 2 business days and removes the old authenticator so you can link your new phone.",
            "Sorry to hear about the phone. If you kept your backup codes, pick Use a backup code on the code "
            "screen and type one in. Without a backup code, please submit the Identity Verification form from "
            "the sign-in page; after review (within 2 business days) we clear the old device and you can set "
            "up two-step verification again on the new one.",
            "The quickest way is a backup code: select Use a backup code on the verification screen. If you "
            "never saved them, send us the Identity Verification form (linked on the sign-in page). Our "
            "security team checks it within 2 business days and then removes the lost authenticator.",
        ],
        "eta": [
            "The security team reviews Identity Verification forms within 2 business days; a backup code "
            "works immediately.",
        ],
        "escalate": [
            "If the backup code is rejected, it may already have been used, since each one works only once. "
            "Try another backup code, or submit the Identity Verification form and our security team will "
            "contact you within 2 business days.",
        ],
        "subjects": [
            "2FA device lost",
            "Authenticator codes on old phone",
            "Can't pass two-step verification",
            "New phone, no verification codes",
        ],
        "ticket_q": [
            "My authenticator app was wiped when I replaced my phone, so I cannot complete two-step verification.",
            "I'm stuck at the security code prompt after signing in because the phone with my 2FA app was stolen.",
            "Please remove two-factor authentication from my account, I no longer own the device it was set up on.",
            "Traded in my old phone and forgot that it generated my Brindle login codes.",
            "I can enter my password fine but then it wants a verification code I have no way of getting.",
            "Factory reset my phone and the two-step codes for Brindle Home disappeared with it.",
            "How can I sign in without the second-factor code? I lost the phone that had it.",
            "The two-factor prompt keeps appearing and my old handset is broken.",
        ],
        "ticket_details": [
            "I have my password, just not the code.",
            "I never printed any codes.",
            "I need to manage my thermostat from the app.",
            "My new phone has a different number.",
        ],
        "ticket_res": [
            "Customer lost the phone with their authenticator. They had saved backup codes; guided them to Use "
            "a backup code and re-enrol two-step verification on the new phone. Mentioned the Identity Verification "
            "form in case the codes run out. Resolved.",
            "No backup code available. Sent the Identity Verification form; security team verified the account "
            "and removed the old authenticator. Customer set up 2FA on the new device.",
            "Customer stuck at the code screen after a phone reset. Explained backup code option; none left, so "
            "they completed the Identity Verification form. Access restored after review.",
        ],
        "queries": [
            "the app that makes my sign-in codes was on the handset I lost",
            "can't get past the second sign-in step after switching devices",
            "the extra login confirmation goes to a mobile I don't have anymore",
            "disable the additional sign-in check, my mobile was stolen",
            "I replaced my smartphone and the one-time passcodes are gone",
            "how to log on when the authentication generator was on my previous device",
            "stuck at the security prompt because my old cell is broken",
            "the six digit prompt after my password blocks me, new handset",
            "log in without the one-time codes from the lost handset",
            "my multi-factor setup was on a phone I traded in",
        ],
        "eval": [
            "My phone broke and it had my two-step verification app on it. How do I sign in now?",
            "I changed phones and can't produce the login code anymore.",
            "Can you switch off 2FA on my account? The phone it was linked to is lost.",
            "The sign-in keeps asking for a verification code and my old phone is gone.",
            "What do I do if I no longer have the device for two-factor authentication?",
        ],
    },
    {
        "intent": "change_email",
        "category": "account",
        "era": "base",
        "title": "Change the email address on the account",
        "keyphrases": ["Account > Profile", "confirmation link"],
        "resolution": (
            "Go to Account > Profile, select Edit next to your email address, enter the new address and your "
            "current password, then open the confirmation link we send to the new address. Until you confirm, "
            "sign-in and order emails keep using the old address."
        ),
        "user": [
            "How do I change the email address on my account?",
            "I want to update my email, I don't use the old one anymore.",
            "I need to switch the login email on my Brindle account to a new address.",
            "Can I change which email my order updates go to?",
            "I changed the email in my profile but it still shows the old one.",
            "My work email is on the account and I'm leaving that job. How do I replace it?",
            "I'd like to use a different email address for my account.",
            "I updated my email but never got anything to confirm it.",
            "Is it possible to move my account to another email address?",
            "I made a typo in my email when I registered, how can I fix it?",
        ],
        "answers": [
            "You can change it under Account > Profile: select Edit next to your email address, enter the new "
            "address and your current password, then open the confirmation link we send to the new address. "
            "Until you click it, sign-in and order emails keep going to the old address.",
            "Sure. Go to Account > Profile and choose Edit beside the email field. Type the new address, confirm "
            "with your current password, and click the confirmation link in the email we send there. The change "
            "only takes effect once that confirmation link is opened.",
            "Head to Account > Profile, edit the email address and save it with your current password. We then "
            "send a confirmation link to the new address; once you open it, the new email is used for sign-in and "
            "for all order updates.",
        ],
        "eta": [
            "The change is immediate once you open the confirmation link; the email usually arrives within a "
            "few minutes."
        ],
        "escalate": [
            "If the confirmation link hasn't arrived, check the spam folder of the new address and make sure it "
            "was typed correctly under Account > Profile. I can also ask our account team to verify your identity "
            "and change it for you.",
        ],
        "subjects": [
            "Update account email",
            "Email change not confirmed",
            "Wrong email on account",
            "Replace login email",
        ],
        "ticket_q": [
            "Please update the e-mail on my customer profile; the current one belongs to a mailbox I'm closing.",
            "I edited my email in the profile page but the account still lists the previous address.",
            "I misspelled my email when signing up and need it corrected.",
            "Can my order notifications be sent to a new email instead of my old work address?",
            "I want my Brindle login to use my personal email rather than the family one.",
            "Saved a new email address on my profile but no verification message arrived.",
            "How do I move my account over to a different email address?",
            "My old email provider shut down, so I need a new address on the account.",
            "My profile still lists my former work email, I want my personal address instead.",
        ],
        "ticket_details": [
            "I can still sign in with the old one.",
            "The old address still gets order emails.",
            "I have Brindle Plus on this account.",
            "I tried on the website and the app.",
        ],
        "ticket_res": [
            "Customer wanted a new email on the account. Directed them to Account > Profile > Edit, then to open "
            "the confirmation link sent to the new address. Change confirmed.",
            "Email change pending because the confirmation link hadn't been opened (it was in spam). Customer "
            "clicked it; Account > Profile now shows the new address.",
            "Typo in the registered email. Customer updated it under Account > Profile and confirmed via the "
            "confirmation link. Order emails now go to the correct address.",
        ],
        "queries": [
            "my contact mailbox is outdated, how do I swap it",
            "I no longer use the inbox tied to my profile",
            "order notifications keep going to an address I closed",
            "switch my sign-in address to a new one",
            "I misspelt my inbox address at registration",
            "my profile still lists my former work inbox, I want my personal one",
            "replace the electronic mail address linked to my profile",
            "edited my contact address but the old one is still shown",
            "move my profile to a different inbox",
            "the verification for my new address never arrived after I edited it",
        ],
        "eval": [
            "I'd like to replace the email on my account with my new one. Where do I do that?",
            "My account still has my old email after I changed it in my profile.",
            "Can I change my login email address?",
            "The email on my account has a typo, how can I correct it?",
            "I want order updates sent to a different email address.",
        ],
    },
]

# ------------------------------------------------------------------------------------------ billing
INTENTS += [
    {
        "intent": "double_charge",
        "category": "billing",
        "era": "base",
        "title": "Charged twice for one order",
        "order": True,
        "amount": True,
        "keyphrases": ["pre-authorization", "3–5 business days"],
        "resolution": (
            "A second charge for the same order is usually a pre-authorization hold left by a declined or "
            "repeated checkout attempt, not a real payment. Holds drop off automatically within 3–5 business "
            "days. If both charges are still shown as posted after that, reply with a screenshot of your "
            "statement and we refund the duplicate."
        ),
        "user": [
            "I was charged twice for the same order.",
            "My bank statement shows two payments of {amount} but I only placed one order.",
            "Why did you take {amount} from my card two times for {order}?",
            "There's a duplicate charge on my credit card from Brindle Home.",
            "I see the same amount debited twice after checkout, can you refund one?",
            "Checkout failed once, I tried again, and now there are two charges of {amount}.",
            "You billed me double for {order}.",
            "My card got hit twice for one purchase, what's going on?",
            "I placed one order but my banking app lists two Brindle transactions of {amount}.",
            "Got charged 2x for my order, please fix.",
        ],
        "answers": [
            "A second charge for the same order is almost always a pre-authorization hold left by an earlier or "
            "declined checkout attempt; it isn't a real payment. These holds drop off automatically within "
            "3–5 business days. If both charges still show as posted after that, reply with a screenshot of "
            "your statement and we'll refund the duplicate straight away.",
            "I understand the worry. What you're seeing is most likely a pre-authorization: when a checkout is "
            "retried, the bank briefly reserves the amount again. The extra hold is released within 3–5 business "
            "days without you doing anything. Should both payments be posted after that, send us a statement "
            "screenshot and we'll refund one.",
            "Only one payment is taken per order. The other entry is a pre-authorization hold, which your bank "
            "cancels within 3–5 business days. If it's still there as a completed charge after that time, reply "
            "here with a screenshot and we'll refund the duplicate.",
        ],
        "eta": ["Pre-authorization holds are released by your bank within 3–5 business days."],
        "escalate": [
            "If both charges are still posted after 3–5 business days, please send a screenshot of the statement "
            "showing both transactions and I'll pass it to billing to refund the duplicate.",
        ],
        "subjects": [
            "Duplicate payment",
            "Charged twice",
            "Two transactions for one order",
            "Double billing on my card",
        ],
        "ticket_q": [
            "My credit card statement lists two identical Brindle Home transactions although I bought only once.",
            "The payment page gave an error, I paid again, and now both payments appear on my account.",
            "Please refund the second charge for {order}, I was billed {amount} twice.",
            "Two debits of {amount} from Brindle Home today, one order. Please explain.",
            "I've been billed double for a single purchase and need the extra money back.",
            "Bank shows a pending and a completed payment for the same checkout.",
            "Why are there two card payments for my one order?",
            "Was my card charged twice? My balance dropped by double the order total.",
            "Why was the same order charged to my card two times?",
        ],
        "ticket_details": [
            "It's my debit card so the money is gone from my balance.",
            "I only got one confirmation email.",
            "This happened after the page froze.",
            "I paid with a Visa card.",
        ],
        "ticket_res": [
            "Customer saw two charges. Explained that the second one is a pre-authorization from the retried "
            "checkout and will drop off within 3–5 business days. Customer confirmed later that it disappeared.",
            "Duplicate was a pre-authorization hold. Advised waiting 3–5 business days; hold released and only "
            "one payment posted.",
            "Both charges posted after 3–5 business days (not just a pre-authorization). Customer sent a statement "
            "screenshot; billing refunded the duplicate payment.",
        ],
        "queries": [
            "the same purchase was debited from my account two times",
            "my card statement has the same payment listed twice for one basket",
            "money was taken twice though I only bought once",
            "there are two identical withdrawals from my bank for a single purchase",
            "payment went through twice after the checkout page froze",
            "I see a pending hold plus a completed payment for one purchase",
            "a duplicate debit on my card after I retried paying",
            "you took payment for my purchase a second time",
            "why did my balance drop by twice the total",
            "please reverse the repeated card transaction",
        ],
        "eval": [
            "I checked my bank and I've been charged two times for one order. Can you sort it?",
            "Two payments of {amount} came out of my account for one purchase.",
            "My card was billed twice after the checkout page crashed.",
            "Why do I have a duplicate Brindle Home charge?",
            "There are two identical charges for my order on my credit card statement.",
        ],
    },
    {
        "intent": "update_payment_method",
        "category": "billing",
        "era": "base",
        "title": "Add or change the saved payment method",
        "keyphrases": ["Account > Payment methods", "Set as default"],
        "resolution": (
            "Go to Account > Payment methods, choose Add card or Add PayPal, then select Set as default on the "
            "new method. Your Brindle Plus renewal and future orders use the default method from then on; you "
            "can remove the old card on the same page."
        ),
        "user": [
            "How do I change the card saved on my account?",
            "My card expired, how do I add the new one?",
            "I want to use PayPal instead of my credit card for my membership renewal.",
            "I got a replacement card from my bank, where do I update it?",
            "How can I remove an old card from my account?",
            "I need to update my payment details.",
            "Can I change the default card you charge?",
            "My Plus renewal should go on a different card, how do I switch it?",
            "Where do I add a new payment method?",
            "my bank cancelled my card, need to put a new one on the account",
        ],
        "answers": [
            "You can manage cards under Account > Payment methods. Choose Add card (or Add PayPal), enter the "
            "details, then select Set as default on the new method. Future orders and your Brindle Plus renewal "
            "will use it, and you can remove the old card on the same page.",
            "Sure. Go to Account > Payment methods and add the new card or PayPal account. Then click Set as "
            "default next to it so renewals and new orders are charged there. Old or expired cards can be "
            "removed from that same list.",
            "Open Account > Payment methods, add the new method and press Set as default on it. From then on "
            "your Brindle Plus renewal and checkout use the default method; delete the expired card there too.",
        ],
        "eta": ["The change is immediate: the next renewal or order uses the new default method."],
        "escalate": [
            "If the new card is rejected when you add it, check that the billing address matches your bank's "
            "records and approve any check your bank sends. You can also add PayPal under Account > Payment "
            "methods and choose Set as default on it.",
        ],
        "subjects": ["Update card details", "Expired card on file", "Switch to PayPal", "Remove old card"],
        "ticket_q": [
            "The card stored on my profile has expired; I'd like to put the replacement on file.",
            "Please tell me how to swap the card you use for my Brindle Plus subscription.",
            "I'd rather pay with PayPal from now on. How do I set that up?",
            "How do I delete a card I no longer use from my account?",
            "My bank reissued my card with a new number after fraud. Where do I enter it?",
            "I want my renewals charged to my business card instead of my personal one.",
            "Where can I edit the payment information stored in my account?",
            "I have two cards saved and the wrong one keeps being used.",
        ],
        "ticket_details": [
            "The renewal is next week.",
            "I'm using the mobile app.",
            "The old card was cancelled by my bank.",
            "I'd like PayPal to be the only option.",
        ],
        "ticket_res": [
            "Customer needed to replace an expired card. Guided them to Account > Payment methods to add the new "
            "card and Set as default. Old card removed.",
            "Customer wanted PayPal for renewals. Added via Account > Payment methods and chose Set as default; "
            "Plus renewal now uses PayPal.",
            "Wrong card charged because two were saved. Customer used Set as default on the preferred card in "
            "Account > Payment methods and deleted the other.",
        ],
        "queries": [
            "my bank sent me a replacement plastic, how do I put it on file",
            "switch which card the subscription bills",
            "the card you have stored is out of date",
            "I'd like my saved payment option to be PayPal going forward",
            "delete an old credit card from my profile",
            "the wrong card keeps being used for my purchases",
            "edit my stored billing card",
            "new debit card number after a fraud alert, where do I enter it",
            "make a different card the primary one",
            "renewals should go to my company card",
        ],
        "eval": [
            "My credit card expired last month. How do I put the new one on my account?",
            "I'd like my membership to charge a different card.",
            "Where do I remove an old card and add a new one?",
            "Can I set PayPal as my default way to pay?",
            "How do I update the payment card saved in my Brindle account?",
        ],
    },
    {
        "intent": "invoice_request",
        "category": "billing",
        "era": "base",
        "title": "Get an invoice for an order",
        "order": True,
        "keyphrases": ["Download invoice", "Business details"],
        "resolution": (
            "Open Orders, select the order and choose Download invoice to get a PDF invoice with the tax "
            "breakdown. If you need a company name or tax ID on it, add them under Account > Business details "
            "first and then download the invoice again."
        ),
        "user": [
            "I need an invoice for {order}.",
            "Can I get a receipt with the tax shown for my purchase?",
            "How do I download an invoice for my order?",
            "My company needs a proper invoice with our company name on it.",
            "Where can I find the invoice for {order}? I need it for expenses.",
            "I need a VAT invoice for my business.",
            "The invoice doesn't show my company's tax number, can you add it?",
            "Can you send me a PDF receipt for my last order?",
            "I need proof of purchase for my accountant.",
            "Is there a way to get an itemised invoice for {order}?",
        ],
        "answers": [
            "You can get it yourself: open Orders, select the order and choose Download invoice for a PDF with "
            "the full tax breakdown. If you need a company name or tax ID on it, add them under Account > "
            "Business details first, then download the invoice again.",
            "Invoices are available in your account. Go to Orders, pick the order and click Download invoice. "
            "For a company name or tax number on the document, fill in Account > Business details and download "
            "it again; the new PDF will include them.",
            "Sure. In Orders, open the order and select Download invoice to save a PDF. To show your company "
            "details, first complete Account > Business details, then use Download invoice once more.",
        ],
        "eta": ["The PDF is generated immediately when you select Download invoice."],
        "escalate": [
            "If Download invoice is greyed out, the order may not have shipped yet: invoices appear once it is "
            "dispatched. If the Business details still don't show, let me know and I'll ask billing to reissue it.",
        ],
        "subjects": [
            "Invoice needed",
            "Receipt with tax breakdown",
            "Company details on invoice",
            "Proof of purchase for expenses",
        ],
        "ticket_q": [
            "For my expense report I need an official invoice for {order}.",
            "Please issue an invoice showing our company name and VAT number.",
            "I can't find where to get a receipt for my purchase in the account area.",
            "The invoice I downloaded lacks my business tax ID.",
            "Could you email me an itemised invoice for my recent order?",
            "Our finance department requires an invoice addressed to the company, not to me personally.",
            "Where are invoices stored on the website?",
            "I need a receipt that lists tax separately.",
        ],
        "ticket_details": [
            "It's for an office purchase.",
            "I need it by the end of the month.",
            "The order was a coffee machine.",
            "I paid by company card.",
        ],
        "ticket_res": [
            "Customer needed an invoice. Pointed them to Orders > Download invoice; for the company name they "
            "first filled in Account > Business details. New PDF downloaded with correct details.",
            "Invoice lacked tax ID. Customer added it under Business details and used Download invoice again. "
            "Resolved.",
            "Customer couldn't find receipts. Explained Download invoice on the order page and the Business "
            "details section for company invoices. Customer confirmed they had the PDF.",
        ],
        "queries": [
            "my employer needs a bill showing the purchase for reimbursement",
            "where do I grab a tax receipt for what I bought",
            "the document should be addressed to our firm, not me",
            "add our VAT registration to the paperwork",
            "accounting wants an itemised bill for the purchase",
            "I need a statement of the sale for my expense claim",
            "get a printable copy of the bill for my purchase",
            "paperwork for bookkeeping showing tax paid",
            "the PDF lacks my corporate details",
            "official billing document for a business purchase",
        ],
        "eval": [
            "How can I get an invoice with my company's name for my purchase?",
            "My accountant needs an invoice with the tax shown. Where do I get one?",
            "I need a receipt for my order to claim it on expenses.",
            "The invoice doesn't have our tax ID on it.",
            "Can you give me a PDF invoice for what I ordered?",
        ],
    },
    {
        "intent": "payment_declined",
        "category": "billing",
        "era": "base",
        "title": "Card declined at checkout",
        "keyphrases": ["billing address", "3-D Secure"],
        "resolution": (
            "A declined payment usually means the billing address doesn't exactly match the one your bank has, "
            "or the 3-D Secure check in your banking app wasn't approved in time. Check both and retry the "
            "checkout; if it still fails, use another card or PayPal. We can't see the bank's reason for a "
            "decline, so your bank can tell you more."
        ),
        "user": [
            "My card keeps getting declined at checkout.",
            "Payment failed when I tried to place my order, but the card works everywhere else.",
            "Why won't your site accept my credit card?",
            "I get 'payment declined' every time I try to pay.",
            "Checkout says my payment couldn't be authorised.",
            "I can't complete my purchase, the card is refused.",
            "The payment keeps failing and there's plenty of money on the card.",
            "My bank says they didn't block anything but your checkout still declines my card.",
            "Tried to buy a blender and the payment won't go through.",
            "card declined again, what am I doing wrong",
        ],
        "answers": [
            "Sorry about that. A decline usually means the billing address doesn't match exactly what your bank "
            "has on file, or the 3-D Secure check in your banking app wasn't approved in time. Please check both "
            "and try again; if it still fails, use another card or PayPal. We can't see the bank's reason for a "
            "decline, so your bank can tell you more.",
            "The two most common causes are a billing address that differs from your bank's records (even a "
            "missing flat number) and a 3-D Secure confirmation that timed out. Fix the address, keep your "
            "banking app open to approve the 3-D Secure prompt, and retry. If it's still refused, try PayPal or "
            "another card and ask your bank for the decline reason.",
            "Please first make sure the billing address is exactly as your bank has it, then retry and approve "
            "the 3-D Secure request when your bank sends it. We don't receive the bank's decline reason, so if "
            "it keeps failing your bank is the best place to ask, or you can pay with PayPal.",
        ],
        "eta": ["You can retry straight away; a successful payment confirms the order instantly."],
        "escalate": [
            "If the billing address and the 3-D Secure approval are both fine, the decline comes from your bank, "
            "so please call them and ask them to allow the payment, or pay with PayPal in the meantime.",
        ],
        "subjects": [
            "Payment declined",
            "Card refused at checkout",
            "Can't complete payment",
            "Transaction not authorised",
        ],
        "ticket_q": [
            "Every time I try to pay, the checkout rejects my card with a generic error.",
            "My Visa is refused on your website although it works in other shops.",
            "The order won't go through: 'transaction not authorised'.",
            "I've tried three times and the payment step always fails.",
            "My bank claims there was no block, yet your site refuses the card.",
            "Could you check why my payment isn't accepted? I want to buy a vacuum today.",
            "Checkout ends with an error after I enter my card details.",
            "I keep seeing 'payment unsuccessful' when placing an order.",
        ],
        "ticket_details": [
            "I recently moved house.",
            "The banking app didn't show anything.",
            "I'm ordering from abroad.",
            "It's a brand new card.",
        ],
        "ticket_res": [
            "Card declined because the billing address still showed the customer's old address. After updating "
            "it and approving 3-D Secure in the banking app, payment succeeded.",
            "3-D Secure prompt timed out. Asked customer to keep the banking app open, checked the billing "
            "address, retried; payment went through.",
            "Repeated declines. The billing address and 3-D Secure were fine, so referred the customer to their bank, "
            "who lifted a block. Customer paid successfully.",
        ],
        "queries": [
            "the checkout won't take my Visa",
            "the transaction is rejected even though there are funds",
            "your site refuses my credit card at the last step of buying",
            "why is my purchase not going through at the pay step",
            "the bank confirmation pop-up timed out and the purchase failed",
            "my credit card gets refused only on your shop",
            "unable to pay, it says unauthorised",
            "paying fails at the final step after I type my card number",
            "keep getting unsuccessful when trying to pay",
            "my card is rejected after I moved house",
        ],
        "eval": [
            "I'm trying to check out but my card is declined each time.",
            "Why does the payment fail? My card has enough money on it.",
            "Your website won't accept my card. What can I do?",
            "The payment isn't authorised when I try to order.",
            "Every payment attempt I make at checkout fails.",
        ],
    },
]

# --------------------------------------------------------------------------------------- membership
INTENTS += [
    {
        "intent": "plus_cancel",
        "category": "membership",
        "era": "base",
        "title": "Cancel Brindle Plus membership",
        "keyphrases": ["Account > Membership", "end of your current billing period"],
        "resolution": (
            "Go to Account > Membership and select Cancel Brindle Plus. Your benefits stay active until the end "
            "of your current billing period and you won't be charged again. If you haven't used any Plus "
            "benefit within 14 days of joining or renewing, we refund the fee in full."
        ),
        "user": [
            "How do I cancel my Brindle Plus membership?",
            "I want to stop my Plus subscription.",
            "Please cancel my Brindle Plus, I don't use it enough.",
            "I don't want Brindle Plus to renew anymore.",
            "Can I get out of Brindle Plus? I signed up by mistake.",
            "My Plus membership renewed and I'd like to cancel it.",
            "How do I turn off auto-renew for Plus?",
            "I want to end my membership but keep my account.",
            "Where is the option to cancel Plus? I can't find it.",
            "cancel brindle plus please",
        ],
        "answers": [
            "You can cancel any time: go to Account > Membership and select Cancel Brindle Plus. Your benefits "
            "stay active until the end of your current billing period and you won't be charged again. If you "
            "haven't used any Plus benefit within 14 days of joining or renewing, we refund the fee in full.",
            "Sure, go to Account > Membership and choose Cancel Brindle Plus. Nothing else changes on your "
            "account; Plus simply stops at the end of your current billing period with no further charges. "
            "Unused memberships cancelled within 14 days of joining or renewing are refunded in full.",
            "To stop the renewal, open Account > Membership and click Cancel Brindle Plus. You keep free delivery "
            "and the other perks until the end of your current billing period. If you cancel within 14 days of "
            "a renewal and haven't used any benefit, the fee comes back to you.",
        ],
        "eta": [
            "Cancellation is immediate; the benefits simply run until the end of your current billing period."
        ],
        "escalate": [
            "If Cancel Brindle Plus doesn't appear under Account > Membership, the membership may have been "
            "bought through an app store, in which case it is cancelled in that store's subscriptions settings. "
            "Otherwise I can cancel it for you from here.",
        ],
        "subjects": ["Cancel Plus", "Stop membership renewal", "Brindle Plus refund", "End subscription"],
        "ticket_q": [
            "Please end my Brindle Plus subscription, I rarely order anything.",
            "I joined Plus during the sale and want to stop it before it renews.",
            "My Plus fee was just taken again but I meant to quit. Can I still cancel?",
            "Where in my account can I switch off the membership auto-renewal?",
            "I no longer need the Plus perks, please terminate it.",
            "I'd like to downgrade from Brindle Plus to a normal account.",
            "Cancel my paid membership but don't close my account please.",
            "Is there a refund if I cancel Plus right after renewal?",
            "I joined Brindle Plus by accident and want to stop the subscription.",
            "Please downgrade me from Brindle Plus to a free account.",
        ],
        "ticket_details": [
            "I haven't ordered since it renewed.",
            "I'm on the yearly plan.",
            "I'm on the monthly plan.",
            "Money is tight at the moment.",
        ],
        "ticket_res": [
            "Customer cancelled via Account > Membership. Explained benefits last until the end of your current "
            "billing period and no further charges will be made.",
            "Plus had renewed three days earlier with no benefits used. Cancelled in Account > Membership and "
            "refunded the fee; told customer benefits end at the end of your current billing period otherwise.",
            "Customer couldn't find the option. Showed Account > Membership > Cancel Brindle Plus; membership "
            "runs to the end of your current billing period.",
        ],
        "queries": [
            "stop the yearly perks plan from charging me again",
            "I'd like to quit the paid tier",
            "end my premium subscription with you",
            "I don't want the loyalty subscription to auto-renew",
            "leave the paid club but keep my profile",
            "the perks program renewed and I want out",
            "how to stop paying for the premium tier",
            "terminate my subscription with free delivery perks",
            "I joined the paid perks plan by accident and want to stop it",
            "downgrade from the premium plan to a free profile",
        ],
        "eval": [
            "I'd like to cancel Brindle Plus before the next renewal. How?",
            "My Plus subscription just renewed, can I still cancel it?",
            "Please help me end my Brindle Plus membership.",
            "How do I stop being charged for Plus?",
            "I want to leave Brindle Plus but keep my normal account.",
        ],
    },
    {
        "intent": "plus_benefits",
        "category": "membership",
        "era": "base",
        "title": "What Brindle Plus includes",
        "keyphrases": ["free next-day delivery", "member prices"],
        "resolution": (
            "Brindle Plus includes free next-day delivery on every order, member prices on selected devices, "
            "early access to sales and priority chat support. You can pay monthly or yearly and cancel at any "
            "time from Account > Membership."
        ),
        "user": [
            "What do I get with Brindle Plus?",
            "Is Brindle Plus worth it? What are the benefits?",
            "Does Plus include free delivery?",
            "What's the difference between a normal account and Brindle Plus?",
            "I'm thinking about joining Plus, what perks come with it?",
            "Do Plus members get discounts on devices?",
            "Can you explain what the Brindle Plus membership covers?",
            "Does Brindle Plus get me faster shipping?",
            "What are the advantages of being a Plus member?",
            "tell me about brindle plus",
        ],
        "answers": [
            "Brindle Plus gives you free next-day delivery on every order, member prices on selected devices, "
            "early access to sales and priority chat support. You can pay monthly or yearly and cancel any time "
            "from Account > Membership.",
            "With Plus you get free next-day delivery with no minimum order, member prices on a rotating range of "
            "devices, early access to our sales and priority chat support. It can be paid monthly or yearly and "
            "cancelled from Account > Membership whenever you like.",
            "The main perks are free next-day delivery on everything and member prices on selected smart-home "
            "devices, plus early sale access and priority support in chat. There's no commitment: cancel any "
            "time under Account > Membership.",
        ],
        "eta": [
            "The benefits start as soon as you join, including free next-day delivery on your next order."
        ],
        "escalate": [
            "If free next-day delivery or member prices aren't showing at checkout, make sure you're signed in to "
            "the account that has Plus; you can see its status under Account > Membership.",
        ],
        "subjects": [
            "Plus membership perks",
            "Question about Brindle Plus",
            "Is Plus worth it",
            "Plus delivery benefits",
        ],
        "ticket_q": [
            "Before I sign up, could you list everything the Brindle Plus membership includes?",
            "Do Plus members pay less for devices or is it only about delivery?",
            "Is delivery faster with the Plus membership?",
            "What exactly am I paying for with Brindle Plus?",
            "My friend says Plus gives early access to sales, is that true?",
            "How does the Plus membership compare with a standard account?",
            "Does Brindle Plus include priority support?",
            "Which perks come with the paid Plus plan?",
        ],
        "ticket_details": [
            "I order about once a month.",
            "I'm mainly interested in kitchen appliances.",
            "I'm deciding between monthly and yearly.",
            "I'm furnishing a new flat.",
        ],
        "ticket_res": [
            "Explained Plus benefits: free next-day delivery, member prices on selected devices, early sale access "
            "and priority chat. Customer joined.",
            "Customer asked if Plus was worth it. Listed free next-day delivery and member prices; they chose the "
            "yearly plan.",
            "Clarified that member prices apply to selected devices only and that free next-day delivery has no "
            "minimum order. Customer satisfied.",
        ],
        "queries": [
            "what perks come with the paid tier",
            "is the premium subscription worth the money",
            "does the loyalty program give cheaper gadgets",
            "what do I actually get for the premium subscription fee",
            "does the membership speed up shipments",
            "compare a regular profile with the premium plan",
            "do subscribers get early entry to sales events",
            "advantages of joining your paid club",
            "what extras do premium customers receive",
            "does the premium membership waive shipping fees",
        ],
        "eval": [
            "What's included in Brindle Plus?",
            "Do Plus members get free shipping and cheaper prices?",
            "Can you tell me the perks of the Plus membership?",
            "I'm considering Brindle Plus. What would I get?",
            "How is Brindle Plus different from a regular account?",
        ],
    },
]

# ------------------------------------------------------------------------------------------- orders
INTENTS += [
    {
        "intent": "cancel_order",
        "category": "orders",
        "era": "base",
        "title": "Cancel an order",
        "order": True,
        "keyphrases": ["Cancel order", "before it is packed"],
        "resolution": (
            "Open Orders, select the order and choose Cancel order. This works any time before it is packed; "
            "once the status says Packed we can't stop it, but you can refuse the delivery or return it for "
            "free. Cancelled orders are refunded to the original payment method."
        ),
        "user": [
            "I want to cancel {order}.",
            "I ordered the wrong thing by mistake, can I cancel it?",
            "Please cancel my order, I found it cheaper elsewhere.",
            "How do I cancel an order I placed an hour ago?",
            "I placed {order} twice by accident, please cancel one of them.",
            "I changed my mind about my purchase. Is it too late to cancel?",
            "Can you stop {order} from being shipped?",
            "I don't need the robot vacuum anymore, cancel the order please.",
            "Is there a way to cancel my order before it ships?",
            "need to cancel {order} asap",
        ],
        "answers": [
            "You can cancel it yourself: open Orders, select the order and choose Cancel order. That works any "
            "time before it is packed. If the status already says Packed, we can't stop it, but you can refuse "
            "the delivery or return it for free. The refund goes back to your original payment method.",
            "Sure. In Orders, pick the order and press Cancel order; cancellation is possible before it is packed. "
            "Once it has been packed the button disappears, and the easiest option is to refuse the parcel or "
            "send it back free of charge. You'll be refunded to the original payment method.",
            "Go to Orders, open the order and select Cancel order. We can cancel before it is packed; after that "
            "it's on its way to the carrier, so please refuse delivery or return it for free instead. Refunds "
            "for cancelled orders go to the original payment method.",
        ],
        "eta": [
            "Cancellation is instant, and the refund for a cancelled order goes back to the original payment "
            "method as soon as it is processed."
        ],
        "escalate": [
            "If Cancel order isn't shown, the order has already been packed and can no longer be stopped. You "
            "can refuse the delivery when the carrier arrives or return it for free once it's delivered.",
        ],
        "subjects": [
            "Cancel my order",
            "Order placed by mistake",
            "Stop shipment",
            "Duplicate order - cancel one",
        ],
        "ticket_q": [
            "Please call off {order}, I no longer need it.",
            "I accidentally submitted the same basket twice; one of them should be cancelled.",
            "I bought the wrong colour and would like to annul the purchase before it leaves the warehouse.",
            "Is it possible to withdraw an order I placed this morning?",
            "Found the same blender at a lower price elsewhere, please void my purchase.",
            "My partner already bought this, so I need my order stopped.",
            "How can I revoke an order that hasn't shipped?",
            "I clicked buy by accident on the app, can it be undone?",
            "I need to cancel an order that hasn't shipped yet, I picked the wrong model.",
            "Please scrap my purchase before it is sent out.",
            "Can an order still be cancelled if it's still processing?",
        ],
        "ticket_details": [
            "It still says Processing.",
            "I paid with PayPal.",
            "It was a gift that's no longer needed.",
            "I placed it from the app.",
        ],
        "ticket_res": [
            "Order not yet packed. Customer used Cancel order in Orders, which works before it is packed; refund issued "
            "to original payment method.",
            "Status was already Packed, so Cancel order was unavailable. Explained that cancelling is only possible "
            "before it is packed; customer refused delivery and was refunded.",
            "Duplicate order. Cancelled the second one via Cancel order before it is packed. Customer confirmed.",
        ],
        "queries": [
            "I regret buying it, can the purchase be called off",
            "stop my purchase before you ship it out",
            "I accidentally placed two identical purchases, scrap one before it ships",
            "undo a purchase I made this morning",
            "scrap the purchase I made yesterday, it hasn't been packed yet",
            "void the purchase I just made, I picked the wrong model",
            "halt the dispatch of my purchase",
            "I want to call off a purchase that's still being prepared",
            "the app bought something I didn't mean to",
            "annul the transaction before it ships",
        ],
        "eval": [
            "I need to cancel the order I just placed. How do I do that?",
            "Can you cancel my order? I bought it by mistake.",
            "Is it still possible to cancel an order that hasn't shipped?",
            "I ordered the wrong model, please cancel it.",
            "Please stop my order, I don't want it anymore.",
        ],
    },
    {
        "intent": "change_address",
        "category": "orders",
        "era": "base",
        "title": "Change the delivery address of an order",
        "order": True,
        "keyphrases": ["Edit delivery address", "Processing"],
        "resolution": (
            "Open Orders, select the order and choose Edit delivery address. You can change it while the order "
            "status is Processing; once it has shipped, use the carrier's tracking page to redirect the parcel "
            "to a pickup point instead."
        ),
        "user": [
            "I put the wrong delivery address on {order}.",
            "Can I change the shipping address on my order?",
            "I'm moving next week, can you send {order} to my new address?",
            "I typed my old address by mistake, how do I fix it?",
            "Please deliver my order to my office instead of home.",
            "The house number on my order is wrong.",
            "How do I update where my package is going?",
            "I need to change the address for {order}, it's missing my apartment number.",
            "Can my parcel be sent to a different address?",
            "wrong postcode on my order, help",
        ],
        "answers": [
            "You can update it in Orders: select the order and choose Edit delivery address. This is possible "
            "while the status is Processing. If it has already shipped, use the carrier's tracking page to "
            "redirect the parcel to a pickup point instead.",
            "No problem. Go to Orders, open the order and click Edit delivery address; the change is allowed as "
            "long as the order is still Processing. After dispatch the address is locked, but the carrier's "
            "tracking page lets you redirect it to a pickup point.",
            "Open the order under Orders and select Edit delivery address to correct it. That option is available "
            "while the status shows Processing. Once it's shipped, you can redirect the parcel to a pickup point "
            "through the carrier's tracking page.",
        ],
        "eta": ["The new address is saved immediately while the order is Processing."],
        "escalate": [
            "If Edit delivery address is greyed out, the order has left Processing and shipped, so please redirect "
            "it to a pickup point from the carrier's tracking page.",
        ],
        "subjects": [
            "Wrong delivery address",
            "Change shipping address",
            "Update address on order",
            "Deliver to a different address",
        ],
        "ticket_q": [
            "I've just noticed my old flat is set as the destination for {order}.",
            "Please ship my purchase to my workplace rather than my home.",
            "The street name on my order is misspelled; can you correct it before it goes out?",
            "I'm relocating, so the parcel must go to my new place.",
            "Can the destination of my parcel still be modified?",
            "My order is missing the apartment number and the courier won't find me.",
            "Is it possible to reroute an order to my parents' house?",
            "I'd like a different postcode on my order, I entered it wrong.",
        ],
        "ticket_details": [
            "It hasn't shipped yet as far as I can see.",
            "I'm away all next week.",
            "The order is a video doorbell.",
            "The address book has the right one.",
        ],
        "ticket_res": [
            "Order still Processing; customer used Edit delivery address to fix the apartment number. Delivered "
            "to the correct address.",
            "Order had shipped, so Edit delivery address was unavailable (only while Processing). Customer "
            "redirected the parcel to a pickup point via the carrier's tracking page.",
            "Customer moving house. Updated via Edit delivery address while status was Processing. Confirmed.",
        ],
        "queries": [
            "my purchase is set to go to my previous home, can I update it",
            "send my purchase to my workplace instead",
            "the street name on my purchase is misspelt",
            "reroute my package to my parents' place",
            "I'm relocating before it arrives, change the destination",
            "the courier won't find me, flat number missing",
            "alter the shipping destination before dispatch",
            "modify the location my box goes to",
            "entered an incorrect zip code at checkout",
            "direct the delivery to my new flat",
        ],
        "eval": [
            "I entered the wrong address for my delivery. Can I change it?",
            "Can you send my order to my work address instead?",
            "My order has my old address on it, I moved last month.",
            "How do I fix a typo in the shipping address of my order?",
            "Is it possible to change where my order is delivered?",
        ],
    },
    {
        "intent": "missing_item",
        "category": "orders",
        "era": "base",
        "title": "Item missing from a delivered order",
        "order": True,
        "keyphrases": ["Missing item", "48 hours"],
        "resolution": (
            "Some orders ship in more than one box, so first check the order page for a second tracking number. "
            "If everything has been delivered and something is still missing, go to Orders > Report a problem > "
            "Missing item within 48 hours of delivery and we send the missing item or refund it."
        ),
        "user": [
            "My package arrived but one of the items is missing.",
            "I ordered a blender and a set of bulbs and only the bulbs came.",
            "{order} was delivered but it's incomplete.",
            "The box only had one thing in it, I ordered two.",
            "Something is missing from my delivery.",
            "I got my parcel but the filters I ordered weren't in it.",
            "Only part of {order} arrived.",
            "The packing slip lists an item that wasn't in the box.",
            "My order came without the charging dock.",
            "half my order is missing??",
        ],
        "answers": [
            "Sorry about that. Some orders ship in more than one box, so first check the order page for a second "
            "tracking number. If everything shows as delivered and something is still missing, go to Orders > "
            "Report a problem > Missing item within 48 hours of delivery and we'll send it or refund it.",
            "Larger orders are sometimes split, so please check the order page to see if a second parcel is still "
            "on its way. If not, report it under Orders > Report a problem > Missing item within 48 hours of "
            "delivery, and we'll send the missing item or refund it, whichever you choose.",
            "First, check whether the order page shows a second tracking number, since items can ship "
            "separately. If all boxes have arrived, select Report a problem > Missing item on the order within "
            "48 hours of delivery; we then ship the item again or refund it.",
        ],
        "eta": [
            "Once you report it under Missing item, the replacement ships or the refund is issued as soon as "
            "the report is reviewed."
        ],
        "escalate": [
            "If the Missing item option no longer appears, the 48 hours after delivery have passed; reply here "
            "with a photo of the packing slip and I'll have the warehouse check the order.",
        ],
        "subjects": [
            "Item missing from parcel",
            "Incomplete delivery",
            "Only part of order received",
            "Missing accessory",
        ],
        "ticket_q": [
            "The parcel for {order} contained the thermostat but not the wiring kit that was also on the invoice.",
            "Opened my delivery and the second product was not inside.",
            "Received a partial shipment: two of three products.",
            "The carton arrived sealed but one article listed on the slip was absent.",
            "The extra filters I paid for were not in the delivery.",
            "Where is the rest of my order? Only one product showed up.",
            "The coffee machine came but the descaling kit I bought with it didn't.",
            "My order is marked complete but I'm short one product.",
            "The accessory I ordered wasn't packed with the rest of the order.",
            "One product from my order is absent from the box I received.",
        ],
        "ticket_details": [
            "The box was not damaged.",
            "There's only one tracking number.",
            "It arrived yesterday.",
            "I checked all the packaging.",
        ],
        "ticket_res": [
            "Second item was in a separate shipment still in transit. Customer waited; no Missing item report "
            "needed. Reminded them of the 48 hours reporting window.",
            "Item genuinely missing. Customer filed Report a problem > Missing item within 48 hours; replacement "
            "shipped.",
            "Customer reported the missing accessory via Missing item within 48 hours of delivery and chose a "
            "refund. Refund issued.",
        ],
        "queries": [
            "the box came but it was short one product",
            "the box only contained part of the products I bought",
            "an article on the packing list wasn't inside",
            "my shipment arrived incomplete, products are absent from the box",
            "the accessory I ordered wasn't packed in the carton with the rest",
            "two of the three products arrived",
            "the parcel arrived but one product I ordered is absent from it",
            "received the main unit but not the add-on",
            "what if a product I ordered was not in my delivery",
            "the rest of my purchase never came with the box",
        ],
        "eval": [
            "My parcel came but one item from my order wasn't in it.",
            "I'm missing part of my order, what should I do?",
            "Only one of the two products I bought was in the box.",
            "The delivery was incomplete, the accessories are missing.",
            "One thing on my packing slip wasn't in the package.",
        ],
    },
]

# ----------------------------------------------------------------------------------------- shipping
INTENTS += [
    {
        "intent": "track_order",
        "category": "shipping",
        "era": "base",
        "title": "Where is my order",
        "order": True,
        "keyphrases": ["Track package", "2–4 business days"],
        "resolution": (
            "Open Orders and select Track package to see the carrier's live status; the tracking number is also "
            "in your shipping confirmation email. Standard delivery takes 2–4 business days after dispatch. If "
            "tracking hasn't updated for 5 business days, contact us and we open a trace with the carrier."
        ),
        "user": [
            "Where is my order?",
            "When will {order} arrive?",
            "I ordered a week ago and haven't received anything yet.",
            "Can you tell me the status of {order}?",
            "My tracking hasn't updated in days.",
            "How can I track my package?",
            "Has my order shipped yet?",
            "I still don't have my delivery, when is it coming?",
            "What's the delivery date for {order}?",
            "wheres my stuff, ordered ages ago",
            "I haven't got a tracking number for my order.",
        ],
        "answers": [
            "You can follow it live: open Orders and select Track package to see the carrier's latest status. "
            "The tracking number is also in your shipping confirmation email. Standard delivery takes 2–4 "
            "business days after dispatch; if tracking hasn't moved for 5 business days, let us know and we'll "
            "open a trace with the carrier.",
            "Go to Orders and choose Track package; that shows the carrier's status and expected delivery day. "
            "Standard shipping usually arrives within 2–4 business days of dispatch. If nothing has updated for 5 "
            "business days, reply here and we'll ask the carrier to trace it.",
            "The quickest way to see where it is: Orders > Track package, or the tracking number in your shipping "
            "confirmation email. Most parcels arrive 2–4 business days after dispatch, and we open a carrier "
            "trace if tracking stalls for 5 business days.",
        ],
        "eta": [
            "Standard delivery takes 2–4 business days after dispatch; Track package shows the expected day."
        ],
        "escalate": [
            "If Track package hasn't updated for 5 business days, I'll open a trace with the carrier and update "
            "you by email once they reply.",
        ],
        "subjects": ["Order status", "Where is my parcel", "Tracking not updating", "Delivery date?"],
        "ticket_q": [
            "Could you let me know when {order} will be delivered? There's no update.",
            "It has been a week since I bought the doorbell and it still hasn't arrived.",
            "The carrier status has said 'in transit' for days without change.",
            "I never got a shipping confirmation, has my purchase actually been sent?",
            "What is the expected arrival for my parcel?",
            "Is there a tracking link for my delivery?",
            "My order page says dispatched but I have no idea where the parcel is.",
            "Roughly when should I expect my shipment?",
            "Has my order been dispatched yet? I'd like to know where it is now.",
            "No dispatch email so far, is my order on its way?",
        ],
        "ticket_details": [
            "I need it before the weekend.",
            "I'm a Plus member.",
            "The courier website shows nothing.",
            "It's a birthday present.",
        ],
        "ticket_res": [
            "Customer asked for status. Showed Track package in Orders; parcel was out for delivery. Reminded "
            "them standard delivery is 2–4 business days after dispatch.",
            "Tracking stalled for 5 business days. Opened a trace with the carrier; parcel located and delivered. "
            "Customer now uses Track package to follow it. Normal delivery 2–4 business days.",
            "No shipping email received. Shared that Track package in Orders shows the same tracking number; order "
            "arrived within 2–4 business days.",
        ],
        "queries": [
            "when is my parcel going to show up",
            "no news about my shipment since last week",
            "courier status stuck in transit for days, when will it arrive",
            "how do I follow my delivery's progress",
            "has my purchase been dispatched yet and where is it now",
            "expected arrival day for what I bought",
            "still waiting on my box, any update",
            "no dispatch email yet, is my purchase on its way to me",
            "live location of my shipment",
            "it says in transit forever",
        ],
        "eval": [
            "I placed an order last week and it hasn't turned up. Where is it?",
            "How do I find out when my delivery will arrive?",
            "The tracking for my parcel hasn't changed in four days.",
            "Has my order been sent yet? I haven't had any email.",
            "Can you check the delivery status of my order?",
        ],
    },
    {
        "intent": "delivered_not_received",
        "category": "shipping",
        "era": "base",
        "title": "Marked as delivered but not received",
        "order": True,
        "keyphrases": ["24 hours", "carrier investigation"],
        "resolution": (
            "Carriers sometimes mark a parcel delivered a little early, so please wait 24 hours and check around "
            "your property, with neighbours and any mailroom. Track package may show a delivery photo. If it "
            "still hasn't turned up after 24 hours, reply here and we open a carrier investigation and send a "
            "replacement or refund."
        ),
        "user": [
            "Tracking says my order was delivered but I never got it.",
            "{order} shows as delivered but there's nothing at my door.",
            "The courier marked my parcel as delivered and it isn't here.",
            "My package says delivered yesterday but I haven't received it.",
            "I think my parcel was stolen, it says delivered but it's not on my porch.",
            "It says handed to resident but nobody here signed for anything.",
            "The app says delivered, I was home all day and no one came.",
            "Delivered to the wrong house? {order} isn't here.",
            "My parcel shows delivered but my mailroom doesn't have it.",
            "says delivered. not delivered.",
        ],
        "answers": [
            "I'm sorry, that's stressful. Carriers sometimes mark a parcel delivered a little early, so please "
            "give it 24 hours and check around your property, with neighbours and any mailroom; Track package may "
            "also show a delivery photo. If it still hasn't turned up after 24 hours, reply here and we'll open a "
            "carrier investigation and send a replacement or refund.",
            "Parcels marked delivered usually turn up within 24 hours, as drivers sometimes scan them early or "
            "leave them with a neighbour. Please check the delivery photo under Track package and ask nearby. If "
            "there's still nothing after 24 hours, let us know and we'll start a carrier investigation and make "
            "it right with a replacement or refund.",
            "Please wait 24 hours first, since early delivery scans are common, and check safe places, neighbours "
            "and the mailroom. If it hasn't appeared by then, reply here: we'll open a carrier investigation and "
            "either send a replacement or refund you.",
        ],
        "eta": [
            "Please allow 24 hours; after that a carrier investigation usually takes a few business days, and "
            "we send a replacement or refund once it's opened."
        ],
        "escalate": [
            "Thanks for checking. Since it's been over 24 hours, I've asked for a carrier investigation; you'll get "
            "an email with the outcome and we'll send a replacement or refund.",
        ],
        "subjects": [
            "Parcel marked delivered, not received",
            "Package not at my door",
            "Possible stolen parcel",
            "Wrong address delivery?",
        ],
        "ticket_q": [
            "The carrier claims {order} was handed over but nothing arrived at my address.",
            "Status shows delivered since this morning, but my doorstep is empty.",
            "Neighbours haven't seen it and the courier insists it was dropped off.",
            "My parcel may have been left at the wrong house, it shows as completed.",
            "Proof of delivery says signed by resident, but I signed nothing.",
            "The building concierge has no record of the package the system says was delivered.",
            "My order is listed as received yet I've never seen it.",
            "Could my package have been stolen? It was marked as dropped off hours ago.",
            "Tracking says the parcel was handed over, but no parcel ever reached me.",
            "I was home all day and no courier came, yet the status says delivered.",
            "The delivery was confirmed with a signature that isn't mine.",
        ],
        "ticket_details": [
            "There's no safe place at my house.",
            "I have a video doorbell and it shows no one.",
            "It was a robot vacuum, quite valuable.",
            "I live in an apartment block.",
        ],
        "ticket_res": [
            "Parcel marked delivered early; customer waited 24 hours and it arrived the next day, so no carrier "
            "investigation was needed.",
            "Not found after 24 hours. Opened a carrier investigation; carrier confirmed misdelivery and a "
            "replacement was sent.",
            "Customer checked neighbours and mailroom. After 24 hours with no parcel, started a carrier "
            "investigation and issued a refund.",
        ],
        "queries": [
            "the courier claims it arrived but my doorstep is empty",
            "the shipment status shows completed yet no parcel came",
            "I suspect someone took my package from outside",
            "the courier's proof of drop-off shows a signature that isn't mine",
            "tracking says delivered but the driver probably left it at another house",
            "the concierge has no record of my box",
            "tracking says handed over but no parcel ever reached me",
            "package confirmed as dropped off but missing",
            "I was home all day, no courier came, yet tracking says it arrived",
            "what if the shipment is listed as received but it isn't here",
        ],
        "eval": [
            "My order says delivered but I don't have it. What now?",
            "The parcel is marked as delivered but it's nowhere to be found.",
            "I think my package was left at the wrong address, tracking says delivered.",
            "The courier says it was delivered today but nothing arrived.",
            "My delivery shows as complete but I've received nothing.",
        ],
    },
    {
        "intent": "damaged_delivery",
        "category": "shipping",
        "era": "base",
        "title": "Item arrived damaged",
        "order": True,
        "keyphrases": ["Damaged item", "photos"],
        "resolution": (
            "Sorry it arrived damaged. Go to Orders > Report a problem > Damaged item, upload photos of the item "
            "and the box, and choose a replacement or a refund. You don't need to send the damaged item back "
            "unless we email you a return label."
        ),
        "user": [
            "My order arrived damaged.",
            "The box was crushed and the blender jug is cracked.",
            "{order} came broken.",
            "The coffee machine arrived with a big dent in the side.",
            "The glass on my new thermostat is smashed, it was like that in the box.",
            "My parcel was soaked and the product inside is damaged.",
            "One of the smart bulbs in {order} was shattered when I opened it.",
            "The item I received is scratched and bent from shipping.",
            "Delivery guy dropped it, the doorbell is cracked.",
            "arrived broken, want a new one",
        ],
        "answers": [
            "I'm sorry it arrived like that. Please go to Orders > Report a problem > Damaged item, upload photos "
            "of the item and the box, and choose a replacement or a refund. There's no need to send the damaged "
            "item back unless we email you a return label.",
            "Sorry about that! You can report it under Orders > Report a problem > Damaged item. Add a couple of "
            "photos showing the damage and the packaging, then pick whether you'd like a replacement or a refund. "
            "Keep the damaged item until we confirm; we'll only ask for it back if we email a return label.",
            "That shouldn't happen. Please open the order, select Report a problem > Damaged item and attach photos "
            "of the product and the outer box. You can choose a replacement or refund there, and you won't need to "
            "return the broken item unless we send you a return label.",
        ],
        "eta": [
            "Damaged item reports with photos are usually reviewed within a business day; the replacement or "
            "refund follows straight after."
        ],
        "escalate": [
            "If the photos won't upload under Damaged item, you can reply here with them attached and I'll file "
            "the report for you.",
        ],
        "subjects": [
            "Arrived damaged",
            "Broken on delivery",
            "Crushed box, damaged product",
            "Cracked item in parcel",
        ],
        "ticket_q": [
            "When I unpacked {order}, the jug had a crack running down the side.",
            "The carton was torn open and the device inside is dented.",
            "Water got into the parcel and the appliance doesn't look usable.",
            "My new doorbell's faceplate was shattered straight out of the box.",
            "The vacuum's bumper snapped off in transit.",
            "The outer packaging was crushed and the product is bent.",
            "A glass bulb in the multipack was in pieces on arrival.",
            "I'd like a replacement, the item was broken when the courier brought it.",
            "Rain soaked the parcel on the way and the appliance inside no longer works.",
        ],
        "ticket_details": [
            "I kept all the packaging.",
            "I haven't switched it on.",
            "The courier left it in the rain.",
            "It's a gift so I need a new one quickly.",
        ],
        "ticket_res": [
            "Customer filed Report a problem > Damaged item with photos of the crack and box. Replacement shipped; "
            "no return needed.",
            "Damaged item report received with photos. Customer chose a refund; issued to original payment method.",
            "The photos confirmed transit damage. Logged Damaged item claim, sent a return label and a replacement.",
        ],
        "queries": [
            "the product was smashed to pieces when the courier brought it",
            "the carton was crushed and the contents are dented",
            "it was cracked straight out of the box",
            "the box got soaked in transit and the appliance inside is ruined",
            "courier mishandled it and now it's bent",
            "the glass was shattered when I unwrapped it",
            "the unit arrived with a part snapped off from shipping",
            "I want a replacement because it was harmed in transit",
            "what to do when the goods show up smashed",
            "the outer box was torn and the device is scuffed and bent",
        ],
        "eval": [
            "My new blender arrived with a cracked jug. What should I do?",
            "The parcel was crushed and the item inside is broken.",
            "The product I received was damaged during delivery.",
            "My order came with a dent and scratches all over it.",
            "It was broken when I opened the box, can I get a replacement?",
        ],
    },
]

# ---------------------------------------------------------------------------------- returns/refunds
INTENTS += [
    {
        "intent": "start_return",
        "category": "returns",
        "era": "base",
        "title": "Return an item (30-day window)",
        "order": True,
        "keyphrases": ["30 days", "support.brindlehome.example/returns", "prepaid return label"],
        "resolution": (
            "You can return most items within 30 days of delivery. Start the return at "
            "support.brindlehome.example/returns and choose the items and a reason, then print the prepaid return "
            "label; drop the parcel at any carrier location. Please include all accessories and the manual."
        ),
        "user": [
            "How do I return something I bought?",
            "I'd like to send back {order}, it's not what I expected.",
            "The blender is too loud for my kitchen, can I return it?",
            "I want to return my smart bulbs.",
            "Can I return an item if I've opened the box?",
            "How do I get a return label?",
            "I received the wrong colour and want to send it back.",
            "What's your returns process?",
            "I'd like to return the coffee machine, I don't like it.",
            "Do I have to pay for return shipping?",
            "return {order} pls",
        ],
        "answers": [
            "You can return most items within 30 days of delivery. Start the return at "
            "support.brindlehome.example/returns and choose the items and a reason, then print the prepaid return "
            "label and drop the parcel at any carrier location. Please include all accessories and the manual.",
            "Sure! Returns are accepted within 30 days of delivery, opened boxes included. Go to "
            "support.brindlehome.example/returns and select the items; you'll get a prepaid return label to "
            "print, so return shipping is free. Pack everything that came in the box, including accessories.",
            "Happy to help. Visit support.brindlehome.example/returns within 30 days of delivery, pick the item "
            "and reason, and print the prepaid return label. Any carrier drop-off point will take it; just make "
            "sure accessories and the manual are in the box.",
        ],
        "eta": [
            "Once the parcel reaches our warehouse, the refund is issued to your original payment method; "
            "returns must be started within 30 days of delivery."
        ],
        "escalate": [
            "If the returns page won't accept the order, it may be more than 30 days since delivery or the item "
            "may be excluded. Tell me which item it is and I'll check it for you; the prepaid return label can "
            "also be emailed to you.",
        ],
        "subjects": [
            "Return request",
            "How to send an item back",
            "Return label needed",
            "Returning an opened item",
        ],
        "ticket_q": [
            "I would like to send back {order} because it doesn't fit on my counter.",
            "Is it possible to return a device after I've unboxed and tried it?",
            "Please provide a label so I can ship the vacuum back.",
            "What steps do I follow to give back a product I'm unhappy with?",
            "I bought two thermostats and only need one; how can I return the other?",
            "Do returns cost anything, and where do I start one?",
            "I changed my mind about the blender, it's still unopened.",
            "The colour of the kettle doesn't match my kitchen, I want to return it.",
            "I'm not satisfied with the purchase and would like to ship it back to you.",
            "Can I send a gadget back if I simply changed my mind?",
            "Is return postage free, and how do I get the label?",
        ],
        "ticket_details": [
            "I received it ten days ago.",
            "I still have the original box.",
            "I live near a post office.",
            "I'd prefer a refund rather than an exchange.",
        ],
        "ticket_res": [
            "Within 30 days of delivery. Customer started the return at support.brindlehome.example/returns and "
            "printed the prepaid return label. Refund processed after receipt.",
            "Opened item, still within 30 days. Explained opened boxes are fine; sent link "
            "support.brindlehome.example/returns for the prepaid return label.",
            "Customer asked about return costs. Confirmed the prepaid return label is free and that returns must "
            "start within 30 days at support.brindlehome.example/returns.",
        ],
        "queries": [
            "I'd like to send back a gadget I'm not happy with",
            "how do I ship a purchase back to you",
            "can I hand back something after unboxing it",
            "need a postage slip to send back an appliance I don't want",
            "I changed my mind about a gadget, how do I ship it back to you",
            "is postage free when I send stuff back to you",
            "what's the procedure for sending back an unwanted product",
            "the appliance doesn't suit my counter, can it go back",
            "I bought one too many, how to send the spare back",
            "I'd like to send the kettle back because of the colour",
        ],
        "eval": [
            "I'm not happy with my purchase and want to return it. How does that work?",
            "Can I still return the vacuum if I've already used it once?",
            "Where do I get a label to send my item back?",
            "I'd like to return my order, is return shipping free?",
            "How do I start a return for something I bought?",
        ],
    },
    {
        "intent": "refund_status",
        "category": "refunds",
        "era": "base",
        "title": "When will my refund arrive",
        "order": True,
        "amount": True,
        "keyphrases": ["5–7 business days", "original payment method"],
        "resolution": (
            "When the returned parcel reaches our warehouse we inspect it and issue the refund within 2 business "
            "days, and you get an email when it is sent. Refunds go back to the original payment method, and "
            "banks take 5–7 business days to show them."
        ),
        "user": [
            "When will I get my refund?",
            "I returned {order} two weeks ago and still haven't been refunded.",
            "Where is my refund of {amount}?",
            "How long do refunds take?",
            "I sent my item back, when does the money come back to my account?",
            "Your email says the refund was issued but I don't see it on my card.",
            "It's been a while since my return and no refund yet.",
            "Will my refund go back to my card or as store credit?",
            "I'm still waiting for {amount} back for {order}.",
            "refund still not showing on my bank",
        ],
        "answers": [
            "Once the returned parcel reaches our warehouse we inspect it and issue the refund within 2 business "
            "days; you'll get an email when it's sent. The money goes back to the original payment method, and "
            "banks usually take 5–7 business days to show it.",
            "Refunds are issued within 2 business days of the return arriving at our warehouse, and we email you "
            "at that point. It always goes to the original payment method, not store credit, and your bank may "
            "need 5–7 business days before it appears on your statement.",
            "After we receive and check the return, the refund is sent within 2 business days to the original "
            "payment method. If you already have the refund email, please allow 5–7 business days for your bank "
            "to process it.",
        ],
        "eta": [
            "Allow up to 2 business days after the return arrives for us to issue it, then 5–7 business days "
            "for your bank."
        ],
        "escalate": [
            "If it's been more than 5–7 business days since the refund email, please ask your bank to look for the "
            "incoming credit; I can also send you the refund reference from billing.",
        ],
        "subjects": ["Refund not received", "Refund timing", "Waiting for my money back", "Refund status"],
        "ticket_q": [
            "I sent the vacuum back last month and the money hasn't reached my account yet.",
            "Your confirmation email says the refund of {amount} has been issued, but my card shows nothing.",
            "How many days until a reimbursement appears on my statement?",
            "The warehouse received my return, so when do I see the credit?",
            "Please tell me what's happening with the refund for {order}.",
            "Does the refund come back to PayPal or as a voucher?",
            "My returned blender was delivered to you but I'm still out of pocket.",
            "Still no credit on my statement for the item I sent back.",
            "My return was delivered to your warehouse over a week ago and I'm still waiting to be paid back.",
            "How long after you receive a returned item does the money reach my bank?",
            "The return has been accepted but no refund has shown up on my card.",
        ],
        "ticket_details": [
            "The tracking shows you received it.",
            "I paid with a debit card.",
            "I paid with PayPal.",
            "It's been about two weeks.",
        ],
        "ticket_res": [
            "Return received and refund issued to original payment method. Explained banks take 5–7 business days; "
            "customer confirmed receipt later.",
            "Refund delayed awaiting inspection; issued the next day to the original payment method. Advised "
            "5–7 business days for the bank to post it.",
            "Customer asked about store credit. Confirmed refunds always go to the original payment method and take "
            "5–7 business days after we issue them.",
        ],
        "queries": [
            "my money hasn't been refunded yet after you got the product back",
            "how many days until the reimbursement lands",
            "the credit for my return isn't on my statement yet",
            "you've got my returned parcel, when will I be reimbursed",
            "will the money for my return land on my card or become store credit",
            "waiting ages for the cash from my returned appliance",
            "the email says reimbursed but my bank shows nothing",
            "when do I see the money for the thing I sent back",
            "you've had my returned parcel for a week and I still haven't been paid back",
            "how long before returned funds appear",
        ],
        "eval": [
            "I returned my order a while ago. When will the refund come through?",
            "The refund email arrived but the money isn't in my account.",
            "How long does it take to get my money back after a return?",
            "Will my refund go to my card?",
            "I'm still waiting for my refund, can you check?",
        ],
    },
    {
        "intent": "refund_amount_wrong",
        "category": "refunds",
        "era": "base",
        "title": "Refund smaller than expected",
        "order": True,
        "amount": True,
        "keyphrases": ["original shipping cost", "restocking fee"],
        "resolution": (
            "A refund lower than what you paid normally means the original shipping cost was kept (it is only "
            "refunded when the item was faulty or we made a mistake) or a restocking fee applied because the item "
            "came back opened and without all its accessories. The refund email lists each deduction; if neither "
            "applies, reply and we'll correct it."
        ),
        "user": [
            "My refund was less than what I paid.",
            "I paid {amount} but the refund was smaller, why?",
            "You didn't refund the full amount for {order}.",
            "Why was money deducted from my refund?",
            "I only got part of my money back for the return.",
            "The refund is short by the shipping fee, is that right?",
            "I was refunded less than the price of the blender.",
            "Why did you charge me a fee on my refund?",
            "My refund of {amount} doesn't match what I was charged.",
            "partial refund?? i returned everything",
        ],
        "answers": [
            "A refund lower than what you paid usually means one of two things: the original shipping cost was "
            "kept (we only refund it when the item was faulty or we made a mistake), or a restocking fee applied "
            "because the item came back opened and without all its accessories. Your refund email lists each "
            "deduction; if neither applies, reply here and we'll correct it.",
            "Let me explain the difference. We keep the original shipping cost on change-of-mind returns, and a "
            "restocking fee is deducted when an item is returned opened with parts missing. The refund email "
            "shows exactly which was applied. If the item was faulty or complete, reply and we'll refund the rest.",
            "Partial refunds come from either the original shipping cost, which isn't refunded unless the item was "
            "faulty or sent in error, or a restocking fee for opened items returned without all accessories. "
            "Check the breakdown in the refund email, and if it looks wrong, tell us and we'll fix it.",
        ],
        "eta": [
            "If a deduction was applied by mistake, the rest of the refund goes back to your original payment "
            "method once billing corrects it."
        ],
        "escalate": [
            "If your return was complete and the item was faulty, neither the original shipping cost nor a "
            "restocking fee should apply; I'll ask billing to review the refund and send you the difference.",
        ],
        "subjects": [
            "Partial refund",
            "Refund amount incorrect",
            "Deduction from refund",
            "Not fully refunded",
        ],
        "ticket_q": [
            "I was reimbursed {amount}, which is less than the price I paid for the item.",
            "Why was a sum withheld from the money you returned to me?",
            "The credit I received doesn't cover the full purchase price.",
            "Was I charged for postage on my return? The reimbursement is lower than expected.",
            "I sent back a complete, unopened device yet part of the price was kept.",
            "Can you explain the deduction on my reimbursement for {order}?",
            "There's a gap between what I paid and what came back to my card.",
            "Someone took a fee off my refund without telling me.",
            "The refund for my return is lower than the price on my receipt.",
            "Part of the price was deducted from the refund for my return, why?",
            "I expected a full refund for my return but a chunk was deducted.",
        ],
        "ticket_details": [
            "The item was faulty.",
            "I returned it with every accessory.",
            "I opened it but didn't use it.",
            "Nobody mentioned fees when I returned it.",
        ],
        "ticket_res": [
            "Difference was the original shipping cost on a change-of-mind return; no restocking fee. Explained "
            "policy, customer accepted.",
            "A restocking fee applied because the charger was missing; original shipping cost also kept. Customer "
            "found the charger, sent it, and the fee was refunded.",
            "Item was faulty, so neither the original shipping cost nor a restocking fee should have applied. "
            "Billing refunded the difference.",
        ],
        "queries": [
            "the money you gave back doesn't cover what I paid",
            "a sum was withheld from my reimbursement",
            "why was I only partially reimbursed",
            "postage was taken off the returned funds",
            "the returned-item payout was less cash than the purchase price",
            "the reimbursement has a shortfall compared to what I paid, some was withheld",
            "you kept a fee though I sent everything back",
            "the reimbursement to my card is short of what I paid",
            "deduction on the money returned for my appliance",
            "why didn't I get every cent back for my return",
        ],
        "eval": [
            "My refund was lower than the price I paid. Why?",
            "You refunded me less than I expected for my return.",
            "Why was a fee taken off my refund?",
            "The refund didn't include the delivery charge, is that normal?",
            "I didn't get my full money back after returning the item.",
        ],
    },
]

# ----------------------------------------------------------------------- promotions and gift cards
INTENTS += [
    {
        "intent": "price_match",
        "category": "promotions",
        "era": "base",
        "title": "Price dropped after purchase (Price Adjustment)",
        "order": True,
        "amount": True,
        "keyphrases": ["Price Adjustment", "14 days"],
        "resolution": (
            "If the price of an item drops on our site within 14 days of your purchase, open Orders, select the "
            "order and request a Price Adjustment; we refund the difference to your original payment method. "
            "Marketplace sellers and flash sales are excluded."
        ),
        "user": [
            "I bought a thermostat last week and now it's cheaper on your site.",
            "The price dropped right after I ordered, can I get the difference back?",
            "I paid {amount} and now it's on sale, can you refund the difference?",
            "Do you offer price protection?",
            "The blender went on sale two days after I bought it.",
            "Can I get a price adjustment for {order}?",
            "I saw my coffee machine is now discounted, I paid full price.",
            "Will you match your own lower price if it changed after I bought?",
            "It's {amount} cheaper now than when I ordered, that's annoying.",
            "price went down after i bought it",
        ],
        "answers": [
            "Good news: if the price drops on our site within 14 days of your purchase, you can open Orders, select "
            "the order and request a Price Adjustment. We refund the difference to your original payment method. "
            "Marketplace sellers and flash sales are excluded.",
            "Yes, we have that covered. Within 14 days of buying, go to Orders, open the order and choose Price "
            "Adjustment; the difference goes back to your original payment method. It doesn't apply to flash "
            "sales or items sold by marketplace sellers.",
            "You can claim the difference with a Price Adjustment: in Orders, select the order and request it, as "
            "long as the lower price appeared within 14 days of purchase. We refund the difference to the original "
            "payment method (flash sales and marketplace items excepted).",
        ],
        "eta": [
            "A Price Adjustment is refunded to your original payment method soon after you request it, as long "
            "as you're within 14 days."
        ],
        "escalate": [
            "If the Price Adjustment option isn't offered, the drop may be part of a flash sale or more than 14 "
            "days after purchase. Tell me which item it is and I'll double-check.",
        ],
        "subjects": [
            "Price dropped after purchase",
            "Price adjustment request",
            "Refund the difference",
            "Item now on sale",
        ],
        "ticket_q": [
            "Three days after I paid {amount} for a robot vacuum, the same model was reduced on your website.",
            "Do you reimburse the difference when your own price falls after an order?",
            "My kettle is now discounted on Brindle Home, I paid the old price.",
            "Can you honour the new sale price on {order}?",
            "I'd like a partial credit because the item went on promotion after I bought it.",
            "Is there any price protection on purchases?",
            "The product I bought is cheaper today than the day I checked out.",
            "How can I claim the price difference now that my thermostat is on offer?",
            "I paid full price and a few days later the same product was marked down. Can I get the gap refunded?",
            "Your website lowered the price of something I had just bought.",
            "Can I claim back the difference between what I paid and today's lower price?",
        ],
        "ticket_details": [
            "I bought it on Monday.",
            "The discount is shown on the product page.",
            "I'm a Plus member.",
            "I'd rather not return and rebuy it.",
        ],
        "ticket_res": [
            "Price fell within 14 days of purchase; customer requested a Price Adjustment in Orders and received "
            "the difference.",
            "Price Adjustment declined: the lower price was a flash sale. Explained the 14 days rule and exclusions.",
            "Customer didn't know about Price Adjustment. Showed the option in Orders; claim approved within the "
            "14 days window.",
        ],
        "queries": [
            "the thing I bought got cheaper right afterwards",
            "reimburse the gap now that it's on sale",
            "do you protect customers when costs fall post-purchase",
            "my gadget's price was cut days after I paid full whack, can I get the gap",
            "claim back the markdown on something I already bought",
            "honour the new sale cost on my purchase",
            "I paid more than today's listing",
            "the item was marked down right after I bought it, can I get the gap back",
            "compensation for a later reduction in cost",
            "your website lowered the cost of my unit after I bought it",
        ],
        "eval": [
            "I bought a robot vacuum and it's now on sale. Can I get the difference?",
            "The price went down after I ordered. Do you refund that?",
            "Is there any price protection if something gets cheaper after I buy it?",
            "My coffee machine is discounted now, but I paid full price last week.",
            "Can you adjust the price of my order to the new lower one?",
        ],
    },
    {
        "intent": "promo_code_invalid",
        "category": "promotions",
        "era": "base",
        "title": "Promo code not working",
        "keyphrases": ["minimum order value", "one promo code per order"],
        "resolution": (
            "A promo code only works if the basket meets the minimum order value in the offer, the code hasn't "
            "expired and the items aren't excluded (gift cards and Brindle Plus fees never are discounted). You "
            "can use one promo code per order; enter it in the Promo code box at checkout without spaces."
        ),
        "user": [
            "My promo code isn't working.",
            "The discount code from your email says invalid.",
            "I have a voucher code but checkout won't accept it.",
            "Why doesn't my coupon apply?",
            "The promo code says it can't be used with my basket.",
            "Can I use two discount codes on one order?",
            "I entered the newsletter code and nothing happened.",
            "The welcome discount code is rejected at checkout.",
            "My code worked yesterday but now says expired.",
            "coupon code not valid??",
        ],
        "answers": [
            "Codes usually fail for one of three reasons: the basket doesn't reach the minimum order value in the "
            "offer, the code has expired, or the items are excluded (gift cards and Brindle Plus fees never are "
            "discounted). There's also a limit of one promo code per order. Please type it into the Promo code box "
            "at checkout without spaces.",
            "Please check the offer's terms: most codes need a minimum order value, have an end date and exclude "
            "gift cards and Plus fees. Only one promo code per order can be applied, so remove any other code "
            "first, then enter yours in the Promo code box without spaces.",
            "Let's get that discount working. Make sure the basket total meets the minimum order value and the "
            "code is still within its dates, and remember it's one promo code per order. Enter it without spaces "
            "in the Promo code box; excluded items such as gift cards won't be discounted.",
        ],
        "eta": [
            "A valid code applies instantly in the Promo code box; you'll see the discount before paying."
        ],
        "escalate": [
            "If your basket meets the minimum order value and the code is still valid, send me the code exactly as "
            "it appears in the email and I'll check whether it was issued correctly.",
        ],
        "subjects": [
            "Discount code invalid",
            "Coupon rejected",
            "Voucher not applying",
            "Promo code problem",
        ],
        "ticket_q": [
            "The voucher from your newsletter is rejected when I try to pay.",
            "I have a coupon but the total doesn't change after entering it.",
            "Checkout tells me my discount code is not applicable.",
            "Is it possible to combine a welcome coupon and a seasonal code?",
            "The code in the advert gives an error message.",
            "My referral discount won't apply to my basket.",
            "I typed the code from the flyer and it says invalid.",
            "Why can't I redeem the discount I was emailed?",
            "Can two discount codes be stacked in one basket?",
            "The welcome discount code doesn't reduce my basket total.",
        ],
        "ticket_details": [
            "The basket has a gift card in it.",
            "The email said valid all month.",
            "I'm buying smart bulbs.",
            "I tried on the app and website.",
        ],
        "ticket_res": [
            "Basket was under the minimum order value. Customer added an item and the code applied; reminded them "
            "it is one promo code per order.",
            "Customer tried two codes; explained there is one promo code per order and the minimum order value. They kept "
            "the larger discount.",
            "Code applied to excluded gift card only. Explained exclusions, minimum order value and one promo code "
            "per order. Resolved.",
        ],
        "queries": [
            "the voucher from the newsletter gets rejected",
            "my coupon doesn't reduce the total",
            "the discount I was emailed won't redeem",
            "can I stack two discount offers in one basket",
            "the reduction code says not applicable",
            "the deal from your advert gives an error",
            "my referral saving won't apply",
            "the discount token from the flyer is refused at checkout",
            "the welcome discount won't knock anything off my basket",
            "my discount code for savings has stopped working at checkout",
        ],
        "eval": [
            "The discount code I got by email won't work at checkout.",
            "Why is my promo code showing as invalid?",
            "Can I use more than one coupon on an order?",
            "My voucher isn't taking anything off the price.",
            "The promo code from your ad doesn't apply to my basket.",
        ],
    },
    {
        "intent": "gift_card_redeem",
        "category": "gift_cards",
        "era": "base",
        "title": "Redeem a gift card",
        "keyphrases": ["Redeem gift card", "16-character code"],
        "resolution": (
            "Go to Account > Gift cards > Redeem gift card and enter the 16-character code from the card or email. "
            "The balance is added to your account and used automatically at checkout; it can't be used to buy "
            "other gift cards."
        ),
        "user": [
            "How do I use a gift card?",
            "I got a Brindle gift card for my birthday, how do I redeem it?",
            "Where do I enter my gift card code?",
            "How can I check how much is left on my gift card?",
            "Can I use my gift card to pay for part of my order?",
            "The gift card code I was given isn't being accepted.",
            "I have a gift card, can I add it to my account?",
            "How do I apply my gift card balance at checkout?",
            "Can I buy a gift card with my gift card balance?",
            "got a giftcard, how to use it",
        ],
        "answers": [
            "To use it, go to Account > Gift cards > Redeem gift card and enter the 16-character code from the card "
            "or email. The balance is added to your account and applied automatically at checkout. It can't be used "
            "to buy other gift cards.",
            "Easy: open Account > Gift cards, choose Redeem gift card and type in the 16-character code. The "
            "balance then shows under Gift cards and is used automatically when you check out; any remainder stays "
            "for next time. Gift card balance can't buy other gift cards.",
            "Add it to your account under Account > Gift cards > Redeem gift card using the 16-character code. "
            "From then on the balance is taken off at checkout automatically and the page shows what's left. Note "
            "it can't be spent on other gift cards.",
        ],
        "eta": ["The balance is available as soon as you redeem the 16-character code."],
        "escalate": [
            "If the 16-character code is rejected, check for the letters O and I versus the numbers zero and one, "
            "and enter it without spaces. If it still fails, send me a photo of the back of the card without the "
            "code visible and I'll look it up.",
        ],
        "subjects": ["Using a gift card", "Gift card code", "Gift card balance", "Redeem a gift card"],
        "ticket_q": [
            "I received a Brindle Home gift card as a present and don't know where to type the code.",
            "Is there a way to see the remaining value on my gift card?",
            "Can the gift card cover only part of the total, with the rest on my debit card?",
            "The code on the back of my gift card is not recognised.",
            "How do I attach a gift card to my profile?",
            "My gift card value didn't come off at checkout.",
            "Could I use gift card credit to purchase another gift card for my sister?",
            "Where in the app do I put the gift card number?",
            "How do I spend a Brindle gift card I was given?",
            "The gift card balance didn't reduce my total at checkout.",
            "Can I add a gift card someone gave me to my account balance?",
        ],
        "ticket_details": [
            "It was a birthday present.",
            "The card is a physical one.",
            "It was sent to me by email.",
            "I want to buy smart bulbs with it.",
        ],
        "ticket_res": [
            "Customer redeemed the 16-character code under Redeem gift card; balance applied at checkout.",
            "Code misread (O vs 0). Re-entered the 16-character code via Redeem gift card successfully.",
            "Explained that Redeem gift card adds the balance to the account for automatic use at checkout; the "
            "16-character code is on the back of the card.",
        ],
        "queries": [
            "someone gave me a gift certificate for your shop, how do I spend it",
            "where do I type the gift certificate number I was given",
            "see the remaining value on a present card",
            "pay partly with a present card balance and the rest by debit card",
            "add a present card balance to my profile",
            "the balance of my present card didn't come off the total",
            "the number on the back of my present card isn't recognised",
            "how to use a prepaid Brindle present card when paying",
            "spend the present card I got for my birthday",
            "can a present card balance buy another present card",
        ],
        "eval": [
            "Someone gave me a Brindle Home gift card. How do I use it?",
            "Where do I type in my gift card code?",
            "Can I see how much money is left on my gift card?",
            "My gift card code isn't recognised when I enter it.",
            "Can I use a gift card and my credit card together?",
        ],
    },
    {
        "intent": "gift_card_not_received",
        "category": "gift_cards",
        "era": "base",
        "title": "E-gift card not received by recipient",
        "order": True,
        "keyphrases": ["Resend gift card", "spam"],
        "resolution": (
            "Digital gift cards are emailed to the recipient at the delivery time you chose. Ask them to check their "
            "spam or promotions folder; if it isn't there, open Orders, select the gift card order and choose Resend "
            "gift card, where you can also correct the recipient's email address."
        ),
        "user": [
            "I bought an e-gift card for my friend and she never got it.",
            "The digital gift card I sent hasn't arrived.",
            "My mum didn't receive the gift card email I bought her.",
            "I sent a gift card to the wrong email address.",
            "Can you resend the gift card from {order}?",
            "The recipient says there's no gift card in her inbox.",
            "I scheduled a gift card for today but my brother has nothing.",
            "I bought an electronic gift card and the email never went out.",
            "Where is the gift card I purchased? The person didn't get it.",
            "gift card email didnt arrive to my friend",
        ],
        "answers": [
            "Digital gift cards are emailed to the recipient at the delivery time you chose. Please ask them to "
            "check their spam or promotions folder. If it isn't there, open Orders, select the gift card order and "
            "choose Resend gift card, where you can also correct the recipient's email address.",
            "It's often caught by filters, so first ask the recipient to look in spam or promotions. Otherwise go to "
            "Orders, open the gift card order and click Resend gift card; you can fix the recipient's email there "
            "if it was mistyped. It's sent at the delivery time you chose, so check that too.",
            "Please check the scheduled delivery time on the order and ask the recipient to search their spam "
            "folder. If it still isn't there, use Resend gift card on the gift card order in Orders, correcting "
            "the email address if needed.",
        ],
        "eta": ["Resend gift card sends it again within a few minutes."],
        "escalate": [
            "If Resend gift card didn't help and it isn't in spam, I'll ask the gift card team to cancel the old "
            "code and issue a new one to the recipient's corrected address.",
        ],
        "subjects": [
            "E-gift card not delivered",
            "Resend digital gift card",
            "Gift card sent to wrong email",
            "Recipient didn't get gift card",
        ],
        "ticket_q": [
            "I purchased a digital gift card as a present but the recipient's inbox shows nothing.",
            "I mistyped my friend's address when buying an electronic gift card. Can it be redirected?",
            "The e-gift card was scheduled for my nephew's birthday and he hasn't got it.",
            "Please send the gift email for {order} again.",
            "My colleague never got the gift card that our team bought for her.",
            "The virtual gift card I ordered doesn't seem to have been dispatched.",
            "Could the digital present card be delivered to another email instead?",
            "Recipient can't find the electronic gift card anywhere.",
            "I sent an e-gift card to my friend but it never reached her inbox.",
            "I entered the wrong email address when buying a digital gift card.",
            "The gift card I scheduled for today hasn't been delivered to the recipient.",
        ],
        "ticket_details": [
            "It was meant for a birthday.",
            "I chose delivery for this morning.",
            "I got the order confirmation myself.",
            "She uses a work email.",
        ],
        "ticket_res": [
            "Gift card email was in the recipient's spam folder, so Resend gift card wasn't needed. Resolved.",
            "Wrong address. Customer used Resend gift card with the corrected email; recipient confirmed. Reminded "
            "to check spam.",
            "Not in spam; used Resend gift card from the order. Delivered within minutes.",
        ],
        "queries": [
            "the e-certificate I bought for a friend never reached their inbox",
            "my friend hasn't gotten the virtual present card",
            "I typed the wrong inbox when sending a present card",
            "send the digital present again please",
            "the recipient can't find the e-certificate anywhere",
            "the present card I scheduled for today wasn't delivered to them",
            "the emailed store credit for my nephew never came",
            "my colleague didn't get the present card we purchased for her",
            "redirect a digital present to another address",
            "the online present card seems not to have been sent",
        ],
        "eval": [
            "I sent a digital gift card to my sister and she hasn't received it.",
            "The gift card I bought went to the wrong email address. Can you fix that?",
            "My friend can't find the e-gift card I sent her.",
            "Could you resend the electronic gift card I purchased?",
            "The recipient of my gift card never got the email.",
        ],
    },
]

# ------------------------------------------------------------------------ store pickup and warranty
INTENTS += [
    {
        "intent": "store_pickup",
        "category": "store_pickup",
        "era": "base",
        "title": "Collecting an order from a store",
        "order": True,
        "keyphrases": ["Ready for pickup", "photo ID", "7 days"],
        "resolution": (
            "Choose Store pickup at checkout, then wait for the Ready for pickup email before going to the store. "
            "Bring the order number and a photo ID to the service desk. We hold pickup orders for 7 days; after "
            "that they are cancelled and refunded."
        ),
        "user": [
            "How does store pickup work?",
            "Can I collect {order} from the store today?",
            "I chose in-store pickup, when can I go get it?",
            "What do I need to bring to pick up my order?",
            "Can someone else collect my order for me?",
            "How long will the store keep my order?",
            "I can't get to the store this week, will my pickup order be cancelled?",
            "Is my click and collect order ready?",
            "Can I pick up instead of having it delivered?",
            "store pickup for {order} - when?",
        ],
        "answers": [
            "Once you've chosen Store pickup at checkout, wait for the Ready for pickup email before heading to the "
            "store. Bring the order number and a photo ID to the service desk. We hold pickup orders for 7 days; "
            "after that they're cancelled and refunded.",
            "Please wait for the Ready for pickup email, since the order isn't at the store until then. At the "
            "service desk show the order number and a photo ID (someone collecting for you needs the order number "
            "and their own photo ID). The store keeps it for 7 days.",
            "Store pickup is simple: after the Ready for pickup email arrives, go to the service desk with the "
            "order number and photo ID. Orders are held for 7 days and then cancelled with a full refund.",
        ],
        "eta": [
            "You'll get the Ready for pickup email as soon as it reaches the store, and it's then held for 7 "
            "days."
        ],
        "escalate": [
            "If you haven't had the Ready for pickup email yet, the order is still on its way to the store. If the "
            "store can't find it after that email, ask the service desk to check with your photo ID and I'll "
            "follow up with them.",
        ],
        "subjects": [
            "Click and collect question",
            "Pickup order ready?",
            "Collecting from store",
            "Pickup by someone else",
        ],
        "ticket_q": [
            "I selected collection in store for {order}; how will I know it has arrived there?",
            "My husband will fetch the parcel from your shop; what does he need to show?",
            "For how many days does the shop hold a collection order?",
            "Can I swap home delivery for collection at the branch?",
            "What documents are required when I come in to collect?",
            "I'm on holiday, will my in-store order be returned if I'm late?",
            "Is my reserved item waiting for me at the branch yet?",
            "I went to the shop to collect and they couldn't find my order.",
        ],
        "ticket_details": [
            "It's the downtown store.",
            "I'm free on Saturday.",
            "It's a large item, a coffee machine.",
            "I didn't get any email yet.",
        ],
        "ticket_res": [
            "Explained to wait for the Ready for pickup email and bring order number plus photo ID; held for 7 days.",
            "Customer came before Ready for pickup email; order not yet at store. Collected next day with photo ID. "
            "Reminded 7 days hold.",
            "Third-party collection: told customer the collector needs the order number and their own photo ID, "
            "within 7 days of the Ready for pickup email.",
        ],
        "queries": [
            "how do I know my click-and-collect is waiting at the shop",
            "my husband will fetch it from your branch, what does he need",
            "how long does the shop hold my reserved item",
            "swap home delivery for collecting it myself",
            "what identification do I need to collect in person",
            "will my collection be sent back if I'm late to fetch it",
            "the branch couldn't locate my reservation",
            "collect my purchase myself at one of your shops",
            "is my purchase waiting at the counter yet",
            "getting my purchase from the shop in person",
        ],
        "eval": [
            "I picked store pickup. How do I know when to go?",
            "My brother will collect my order, what does he need?",
            "How many days will the store keep my order?",
            "What should I bring when I pick up my order?",
            "Can I collect my order from a store instead of delivery?",
        ],
    },
    {
        "intent": "warranty_claim",
        "category": "warranty",
        "era": "base",
        "title": "Make a warranty claim",
        "order": True,
        "keyphrases": ["2-year warranty", "warranty claim form"],
        "resolution": (
            "All Brindle Home devices come with a 2-year warranty against manufacturing faults. Fill in the "
            "warranty claim form at support.brindlehome.example/warranty with the serial number and a short video "
            "of the fault; once it's approved we send a prepaid label and repair or replace the device within 10 "
            "business days."
        ),
        "user": [
            "My device stopped working after a year, is it covered by warranty?",
            "How do I make a warranty claim?",
            "The kettle I bought last year broke, can I get it repaired for free?",
            "What does the warranty cover?",
            "I'm past the return window but the product is faulty, what are my options?",
            "My robot vacuum died after 14 months, is that under warranty?",
            "How long is the warranty on your appliances?",
            "I'd like to claim warranty on {order}.",
            "Something broke inside my coffee machine and it's only a year old.",
            "is my thermostat still under guarantee",
        ],
        "answers": [
            "All Brindle Home devices come with a 2-year warranty against manufacturing faults. Please fill in the "
            "warranty claim form at support.brindlehome.example/warranty with the serial number and a short video of "
            "the fault. Once it's approved we send a prepaid label and repair or replace the device within 10 "
            "business days.",
            "Yes, you're covered by our 2-year warranty for manufacturing faults. Submit the warranty claim form at "
            "support.brindlehome.example/warranty with the serial number and a short video showing the "
            "problem. After approval you'll get a prepaid label, and the repair or replacement is done within 10 "
            "business days.",
            "Our 2-year warranty covers faults that aren't caused by accidents or misuse. Start with the warranty "
            "claim form at support.brindlehome.example/warranty and add the serial number and a short video. When "
            "it's approved we email a prepaid label and repair or replace the device within 10 business days.",
        ],
        "eta": [
            "Claims are usually approved quickly, and the repair or replacement is completed within 10 business "
            "days of receiving the device."
        ],
        "escalate": [
            "If the warranty claim form won't accept the serial number, send me a photo of the label on the device "
            "and I'll check it is within the 2-year warranty and file the claim for you.",
        ],
        "subjects": [
            "Warranty claim",
            "Faulty device under warranty",
            "Repair request",
            "Guarantee question",
        ],
        "ticket_q": [
            "My appliance from last spring has stopped working; is it still covered by the guarantee?",
            "What's the procedure for getting a faulty device repaired under warranty?",
            "The motor in my blender died after eighteen months of normal use.",
            "It's past the return period, but the unit has developed a fault on its own.",
            "How long does the manufacturer's guarantee last on your products?",
            "I'd like a free repair for {order}, it broke without being dropped.",
            "Does the guarantee cover a doorbell that no longer powers on?",
            "My device failed within two years, I want a replacement.",
        ],
        "ticket_details": [
            "I have the serial number.",
            "I bought it in your store.",
            "It was never dropped or damaged.",
            "I registered it in the app.",
        ],
        "ticket_res": [
            "Within 2-year warranty. Customer submitted the warranty claim form with serial and video; replacement "
            "sent.",
            "Customer past return window. Explained 2-year warranty and sent the warranty claim form link; repair "
            "completed.",
            "The warranty claim form was approved (manufacturing fault, within 2-year warranty). Prepaid label issued; "
            "device repaired.",
        ],
        "queries": [
            "my appliance broke on its own after a year, am I covered",
            "getting a defective unit fixed for free",
            "how long is the manufacturer guarantee",
            "the motor failed after normal use for eighteen months",
            "my gadget developed a defect on its own after the send-back period, is it still covered",
            "request a free repair for a product that stopped working",
            "does the guarantee include a unit that won't power on",
            "replacement under guarantee for a failed device",
            "what protection do I have if something breaks after months",
            "file a claim because my machine is defective",
        ],
        "eval": [
            "My coffee machine broke after a year. Is it still under warranty?",
            "How can I get my faulty vacuum repaired under warranty?",
            "What's the warranty period on Brindle Home products?",
            "My device stopped working on its own after 15 months, what can I do?",
            "I need to file a warranty claim for a broken appliance.",
        ],
    },
]

# ------------------------------------------------------------------------------------ privacy/data
INTENTS += [
    {
        "intent": "data_export",
        "category": "privacy",
        "era": "base",
        "title": "Download a copy of my personal data",
        "keyphrases": ["Account > Privacy", "Download my data"],
        "resolution": (
            "Go to Account > Privacy and select Download my data. We prepare a file with your profile, orders, "
            "chat history and device logs and email you a secure link, usually within 48 hours; the link stays "
            "valid for 7 days."
        ),
        "user": [
            "How can I get a copy of all the data you hold about me?",
            "I'd like to download my personal data.",
            "I want to make a data access request.",
            "Can I export my order history and account data?",
            "What information do you store about me? I want a copy.",
            "Can you send me everything you have on my account, including device logs?",
            "How do I request my data under GDPR?",
            "I requested my data but the download link expired.",
            "Where can I download my account information?",
            "send me my data pls",
        ],
        "answers": [
            "You can request it yourself: go to Account > Privacy and select Download my data. We prepare a file "
            "with your profile, orders, chat history and device logs and email you a secure link, usually within "
            "48 hours. The link stays valid for 7 days.",
            "Sure. Under Account > Privacy choose Download my data. You'll get an email with a secure download link, "
            "normally within 48 hours, covering your profile, order history, chats and device logs. Please download "
            "it within 7 days, after which the link expires and you can request a new one.",
            "That's available in Account > Privacy > Download my data. Once requested, we email a secure link "
            "within 48 hours in most cases; it contains your profile, orders, chat history and device logs and "
            "works for 7 days.",
        ],
        "eta": ["The download link usually arrives within 48 hours and stays valid for 7 days."],
        "escalate": [
            "If the link has expired after 7 days, just request a new one under Account > Privacy > Download my "
            "data. If no email arrives within 48 hours, I'll ask our privacy team to send it manually.",
        ],
        "subjects": [
            "Data access request",
            "Copy of my personal data",
            "Export account data",
            "GDPR subject access",
        ],
        "ticket_q": [
            "Under data protection law I'm asking for a copy of the personal information you hold on me.",
            "Please provide an export of my profile and purchase history.",
            "I'd like to see which records your company keeps about me and my devices.",
            "Where is the option to retrieve my stored information?",
            "The link to my data file no longer works.",
            "I need my chat transcripts and order records for my own files.",
            "How do I submit a subject access request?",
            "Can I get the logs my smart devices have sent to you?",
        ],
        "ticket_details": [
            "I'd like it in a readable format.",
            "It's for a dispute with my landlord.",
            "I have several devices linked.",
            "I asked last week with no reply.",
        ],
        "ticket_res": [
            "Customer requested data access. Pointed to Account > Privacy > Download my data; link delivered within "
            "48 hours.",
            "Download link expired. Customer requested again via Download my data in Account > Privacy and "
            "downloaded within 7 days.",
            "Subject access request. Explained self-service Download my data under Account > Privacy; customer "
            "received profile, orders and device logs.",
        ],
        "queries": [
            "I want a copy of everything your company knows about me",
            "subject access request for my information",
            "retrieve my stored records and purchase history",
            "which details do you keep on me, send them",
            "get the logs my connected gadgets sent you",
            "export my profile information to a file",
            "the link to download a copy of my personal information has expired",
            "my rights under data protection law to see my records",
            "obtain my chat transcripts and history",
            "take out all my information from your systems as a file",
        ],
        "eval": [
            "Can I get a copy of all my personal data?",
            "I want to download everything you store about me.",
            "How do I make a GDPR data request?",
            "The link for my data download doesn't work anymore.",
            "Could you send me my order history and account details as a file?",
        ],
    },
    {
        "intent": "delete_account",
        "category": "privacy",
        "era": "base",
        "title": "Delete my account",
        "keyphrases": ["Delete my account", "14-day"],
        "resolution": (
            "Go to Account > Privacy and select Delete my account, then confirm from the email we send. The account "
            "is closed and your personal data erased after a 14-day grace period, during which you can sign in to "
            "cancel the deletion. Order records we must keep for tax purposes are retained but no longer linked to "
            "you."
        ),
        "user": [
            "How do I delete my account?",
            "I want you to erase all my data and close my account.",
            "Please delete my Brindle Home account permanently.",
            "I don't use your store anymore, can you remove my account?",
            "How can I close my account?",
            "I want my personal information wiped from your systems.",
            "If I delete my account, can I change my mind later?",
            "Can you remove my profile and everything attached to it?",
            "I asked to delete my account, why can I still log in?",
            "delete everything about me",
        ],
        "answers": [
            "You can do it under Account > Privacy: select Delete my account and confirm from the email we send. The "
            "account is closed and your personal data erased after a 14-day grace period, during which you can sign "
            "in to cancel. Order records we must keep for tax purposes are retained but no longer linked to you.",
            "Sorry to see you go. Go to Account > Privacy, choose Delete my account and confirm via email. There's a "
            "14-day grace period in which signing in cancels the request; after it, your data is erased. Tax-related "
            "order records are kept anonymously.",
            "Select Account > Privacy > Delete my account and click the confirmation email. Your account stays "
            "recoverable during a 14-day grace period and is then permanently erased, except order records that "
            "must be kept for tax purposes without your details.",
        ],
        "eta": ["Deletion is completed once the 14-day grace period has ended."],
        "escalate": [
            "If you can still sign in, the 14-day grace period is running (signing in can cancel it). If you didn't "
            "get the confirmation email for Delete my account, I'll ask our privacy team to process it.",
        ],
        "subjects": ["Close my account", "Erase my data", "Account deletion request", "Remove my profile"],
        "ticket_q": [
            "I'd like my customer profile removed and my personal details erased.",
            "Please permanently close my account; I won't be shopping with you again.",
            "How do I exercise my right to be forgotten?",
            "Is the deletion of my account reversible if I change my mind?",
            "I submitted an erasure request but my account still exists.",
            "Remove all my information from your database please.",
            "What happens to my orders if I delete my profile?",
            "I need my account terminated and my data wiped.",
        ],
        "ticket_details": [
            "I've cancelled my membership already.",
            "I have no open orders.",
            "I'm moving abroad.",
            "I get too many emails.",
        ],
        "ticket_res": [
            "Customer used Delete my account; explained 14-day grace period before erasure. Deletion completed.",
            "Customer still able to log in during 14-day grace period after Delete my account; explained that "
            "logging in cancels it. Resubmitted and left untouched.",
            "Right to erasure request handled via Delete my account. Informed that tax records are retained "
            "unlinked after the 14-day period.",
        ],
        "queries": [
            "I want to be forgotten by your company",
            "close my profile permanently",
            "erase my details and shut down my login",
            "wipe me from your database",
            "can a closed profile be restored if I regret it",
            "I asked for erasure but my profile still exists",
            "what happens to past purchases if my profile is removed",
            "erase my customer record forever",
            "I'm done with your shop, remove my profile",
            "right to erasure for my information",
        ],
        "eval": [
            "I'd like to permanently delete my Brindle account.",
            "How can I get all my personal data erased?",
            "Can I undo an account deletion?",
            "I requested account deletion but I can still sign in.",
            "Please close my account and remove my information.",
        ],
    },
    {
        "intent": "marketing_emails",
        "category": "privacy",
        "era": "base",
        "title": "Stop marketing emails",
        "keyphrases": ["Unsubscribe", "Account > Notifications"],
        "resolution": (
            "Select Unsubscribe at the bottom of any marketing email, or go to Account > Notifications and switch "
            "off Offers and news. Changes take effect within 48 hours. Order and delivery emails can't be switched "
            "off because they are about your purchases."
        ),
        "user": [
            "How do I stop getting promotional emails?",
            "You send me too many newsletters, please stop.",
            "I unsubscribed but I'm still getting marketing emails.",
            "How do I opt out of your offers emails?",
            "I don't want any more sales emails from Brindle.",
            "Can I turn off the marketing messages but keep order updates?",
            "Please take me off your mailing list.",
            "Your emails are spamming my inbox every day.",
            "How do I change which emails I get from you?",
            "stop emailing me deals",
        ],
        "answers": [
            "Select Unsubscribe at the bottom of any marketing email, or go to Account > Notifications and switch "
            "off Offers and news. Changes take effect within 48 hours. Order and delivery emails will still come, "
            "as they're about your purchases.",
            "Sorry for the flood! You can opt out with the Unsubscribe link at the bottom of our emails or under "
            "Account > Notifications by turning off Offers and news. It can take up to 48 hours to stop completely. "
            "We'll still send order and delivery emails.",
            "Go to Account > Notifications and switch off Offers and news, or click Unsubscribe in any marketing "
            "email. Allow 48 hours for it to take effect; order and delivery messages aren't affected.",
        ],
        "eta": ["Marketing emails stop within 48 hours of unsubscribing."],
        "escalate": [
            "If marketing emails continue after 48 hours, they may be going to a second address. Check Account > "
            "Notifications while signed in with that address too, or use Unsubscribe in one of the emails.",
        ],
        "subjects": [
            "Unsubscribe from newsletters",
            "Too many promotional emails",
            "Opt out of marketing",
            "Still receiving offers",
        ],
        "ticket_q": [
            "I'm receiving daily advertising mails from you and want them to stop.",
            "I clicked opt-out a week ago and the newsletters keep coming.",
            "Remove my address from your promotions list please.",
            "Is there a way to only receive delivery updates and nothing promotional?",
            "Where do I manage my communication preferences?",
            "I never signed up for your sales mailings.",
            "Please cease all promotional contact.",
            "How do I turn off the deals newsletter?",
            "How do I stop all the promotional newsletters you send me?",
        ],
        "ticket_details": [
            "It's about three a day.",
            "I still want order confirmations.",
            "They go to my work address.",
            "I also get push notifications.",
        ],
        "ticket_res": [
            "Customer opted out via Account > Notifications (Offers and news off). Explained up to 48 hours; also "
            "mentioned the Unsubscribe link.",
            "Unsubscribe used but emails continued to a second address. Turned off in Account > Notifications for "
            "both.",
            "Pointed customer to Unsubscribe link and Account > Notifications; order emails remain.",
        ],
        "queries": [
            "too many advertising mails from you every day",
            "remove me from your promotions list",
            "opt out of the sales newsletter",
            "I want only delivery updates, not adverts",
            "where are the settings for the adverts you send to my inbox",
            "I opted out but the adverts keep coming",
            "no more advertising contact please",
            "I never signed up for your deals mailings",
            "how to quit receiving offers in my inbox",
            "your advertising floods my mailbox",
        ],
        "eval": [
            "I keep getting promotional emails, how do I stop them?",
            "I unsubscribed last week but the marketing emails continue.",
            "Can you take me off the newsletter list?",
            "I only want order emails, not offers. How do I set that?",
            "Where do I turn off sales emails from Brindle?",
        ],
    },
]

# ---------------------------------------------------------------------------------- product faults
# One intent per device so the questions carry distinct vocabulary (thermostat / vacuum / doorbell /
# coffee machine / bulbs / blender).
INTENTS += [
    {
        "intent": "thermostat_offline",
        "category": "product_faults",
        "era": "base",
        "title": "Brindle Thermo thermostat shows offline",
        "keyphrases": ["2.4 GHz", "Reconnect Wi-Fi"],
        "resolution": (
            "The Brindle Thermo only connects to 2.4 GHz Wi-Fi. On the thermostat go to Menu > Settings > "
            "Reconnect Wi-Fi, pick your 2.4 GHz network (give it its own name in the router if it shares one with "
            "5 GHz) and enter the password. The heating keeps following your last schedule while it's offline."
        ),
        "user": [
            "My Brindle Thermo keeps showing offline in the app.",
            "The thermostat lost its Wi-Fi connection after I changed my router.",
            "I can't control my heating from my phone anymore, the thermostat says disconnected.",
            "The smart thermostat won't connect to my Wi-Fi.",
            "My thermostat drops off the network every few hours.",
            "The app says 'device unreachable' for my thermostat.",
            "I got a new internet provider and now the Thermo won't go online.",
            "The thermostat can't find my home network during setup.",
            "Why is my Brindle thermostat offline?",
            "thermo not connecting to wifi",
        ],
        "answers": [
            "The Brindle Thermo only connects to 2.4 GHz Wi-Fi, which is the usual cause. On the thermostat go to "
            "Menu > Settings > Reconnect Wi-Fi, choose your 2.4 GHz network and enter the password. If your router "
            "uses one name for 2.4 and 5 GHz, give the 2.4 GHz band its own name first. Your heating keeps following "
            "the last schedule while it's offline.",
            "Let's get it back online. The thermostat needs a 2.4 GHz network, so after a router change it often "
            "can't see the right one. Use Menu > Settings > Reconnect Wi-Fi on the device, select the 2.4 GHz "
            "network and type the password. Meanwhile the heating runs on its last schedule.",
            "Please go to Menu > Settings > Reconnect Wi-Fi on the Brindle Thermo and join your 2.4 GHz network; it "
            "can't use 5 GHz. If both bands share a name in your router, split them so the 2.4 GHz one is visible. "
            "Don't worry about the heating, as it follows your last schedule while offline.",
        ],
        "eta": [
            "Reconnecting takes a minute or two; the app shows the Thermo online as soon as it joins the 2.4 GHz "
            "network."
        ],
        "escalate": [
            "If it still won't join, move the router closer or add an extender, since the Thermo needs a good 2.4 GHz "
            "signal, and repeat Reconnect Wi-Fi. If it still fails, I'll open a technical case.",
        ],
        "subjects": [
            "Thermostat offline",
            "Thermo won't connect to Wi-Fi",
            "Can't control heating remotely",
            "Thermostat unreachable in app",
        ],
        "ticket_q": [
            "Since we replaced our broadband router, the Brindle Thermo is no longer reachable from the app.",
            "My thermostat displays a no-connection symbol and the app can't change the temperature.",
            "The Thermo scans for networks but never lists ours.",
            "Remote control of the heating stopped working; the thermostat appears disconnected.",
            "The thermostat goes offline several times a day.",
            "After a power cut the smart thermostat never came back online.",
            "The Thermo refuses the Wi-Fi password even though it's correct.",
            "The app shows my thermostat greyed out as unavailable.",
        ],
        "ticket_details": [
            "We have a mesh network.",
            "The router is in the next room.",
            "Other devices connect fine.",
            "It's the second thermostat in the house.",
        ],
        "ticket_res": [
            "Router broadcasting one name for both bands. Customer split out the 2.4 GHz network and used Reconnect "
            "Wi-Fi on the Thermo; back online.",
            "Thermostat offline after router change. Guided through Menu > Settings > Reconnect Wi-Fi on 2.4 GHz. "
            "Resolved.",
            "Weak 2.4 GHz signal at the thermostat. Customer added an extender and ran Reconnect Wi-Fi; stable since.",
        ],
        "queries": [
            "my heating controller no longer responds from my phone",
            "the wall heating unit lost its link to the router",
            "can't adjust the temperature remotely, device unavailable",
            "the climate controller scans but never finds our network",
            "new broadband box and now the heating control is disconnected",
            "heating device greyed out in the app",
            "the temperature unit rejects my wireless key",
            "after a power outage my heating gadget stays disconnected",
            "the heat controller keeps dropping off the internet",
            "remote heating control stopped working",
        ],
        "eval": [
            "My Brindle Thermo says offline and I can't change the temperature from my phone.",
            "After switching routers the thermostat won't connect anymore.",
            "Why does my thermostat keep losing Wi-Fi?",
            "The Thermo doesn't show my network when I try to connect it.",
            "My thermostat is unreachable in the Brindle app.",
        ],
    },
    {
        "intent": "vacuum_not_charging",
        "category": "product_faults",
        "era": "base",
        "title": "Brindle Sweep robot vacuum won't charge or dock",
        "keyphrases": ["charging contacts", "Home button for 10 seconds"],
        "resolution": (
            "Wipe the charging contacts on the underside of the Brindle Sweep and on the dock with a dry cloth, make "
            "sure the dock is plugged in with its light on and has half a metre of clear space on each side, then "
            "place the vacuum on the dock by hand. If it still doesn't charge, hold the Home button for 10 seconds "
            "to reset it."
        ),
        "user": [
            "My robot vacuum won't charge.",
            "The Brindle Sweep doesn't go back to its dock anymore.",
            "My robot vacuum battery dies and it never charges on the base.",
            "The vacuum sits on the dock but the charging light doesn't come on.",
            "My Sweep wanders around and can't find the charging station.",
            "The robot vacuum says low battery even after a whole night on the dock.",
            "My robot cleaner stopped charging after I moved the dock.",
            "The robot vacuum won't turn on, I think the battery is dead.",
            "Why won't my robot vacuum dock properly?",
            "sweep not charging help",
        ],
        "answers": [
            "Let's try the usual fixes. Wipe the charging contacts on the underside of the Brindle Sweep and on the "
            "dock with a dry cloth, check the dock is plugged in with its light on and has half a metre of clear "
            "space on each side, then put the vacuum on the dock by hand. If it still won't charge, hold the Home "
            "button for 10 seconds to reset it.",
            "Dust on the charging contacts is the most common cause. Clean both sets of charging contacts (on the "
            "robot and the dock) with a dry cloth, and give the dock half a metre of clear space on each side so "
            "the Sweep can find it. Place it on the dock manually; if the light still doesn't come on, press and "
            "hold the Home button for 10 seconds to reset it.",
            "Please clean the charging contacts on the robot and the dock with a dry cloth, make sure the dock's "
            "light is on and nothing blocks half a metre on each side, then set the Sweep on it by hand. A reset "
            "helps if it still won't charge: hold the Home button for 10 seconds.",
        ],
        "eta": [
            "A full charge takes a few hours once the Sweep is charging; the light on the vacuum confirms it."
        ],
        "escalate": [
            "If it still won't charge after cleaning the charging contacts and holding the Home button for 10 "
            "seconds, the battery or dock may be faulty. That is covered by warranty, so I can start a replacement "
            "for you.",
        ],
        "subjects": [
            "Robot vacuum not charging",
            "Sweep can't find dock",
            "Vacuum battery always empty",
            "Charging light off",
        ],
        "ticket_q": [
            "The Sweep robot is placed on its base overnight but the battery is still empty in the morning.",
            "Our robot cleaner roams around at the end of a clean instead of returning to its station.",
            "No charge indicator appears when the robot is on the dock.",
            "Since we rearranged the living room, the robot fails to locate its base.",
            "The automatic vacuum is completely dead and won't power up.",
            "My Brindle Sweep stops mid-clean with a flat battery and never recharges.",
            "The vacuum keeps bumping into the dock but doesn't connect to it.",
            "The base station light is on but the robot won't top up.",
            "After moving furniture the robot vacuum can't find its charging base.",
        ],
        "ticket_details": [
            "It's about a year old.",
            "The dock is next to the sofa.",
            "We have pets so it runs daily.",
            "The app shows an error.",
        ],
        "ticket_res": [
            "Dirty charging contacts. Customer cleaned them and repositioned dock with space around it; charging. "
            "Explained the reset (hold the Home button for 10 seconds) for next time.",
            "Cleaned charging contacts, no change. Reset by holding the Home button for 10 seconds; charging resumed.",
            "The charging contacts were cleaned and a Home button for 10 seconds reset didn't help. Battery replaced under "
            "warranty.",
        ],
        "queries": [
            "the floor-cleaning robot won't top up its battery",
            "my automatic cleaner can't find its base",
            "the little cleaning robot is dead every morning",
            "no charge indicator when the robot sits on its station",
            "after moving furniture the cleaning bot can't locate its charging base",
            "cleaning robot battery flat and won't refill",
            "the autonomous cleaner bumps into its station without connecting",
            "the hoover robot won't power up",
            "my self-driving cleaner doesn't return to recharge",
            "robotic floor cleaner power problem",
        ],
        "eval": [
            "My Brindle Sweep won't charge even when it's on the dock.",
            "The robot vacuum keeps running out of battery and doesn't return to the base.",
            "Why isn't my robot vacuum charging anymore?",
            "The charging light on my robot vacuum stays off.",
            "My robot vacuum can't find its charging dock.",
        ],
    },
    {
        "intent": "doorbell_motion_alerts",
        "category": "product_faults",
        "era": "base",
        "title": "Brindle Porch video doorbell not sending motion alerts",
        "keyphrases": ["Motion alerts", "Battery Saver"],
        "resolution": (
            "In the Brindle Home app open Devices > Porch > Notifications and check that Motion alerts are on and "
            "that your phone allows notifications from the app. Battery Saver pauses motion detection when the "
            "battery runs low, so charge the doorbell or switch Battery Saver off, and redraw the motion zones if "
            "the porch area isn't covered."
        ),
        "user": [
            "My video doorbell isn't sending me alerts when someone comes to the door.",
            "The Porch doorbell stopped notifying me about motion.",
            "I don't get notifications from my doorbell camera anymore.",
            "A parcel was delivered and my doorbell didn't alert me.",
            "The doorbell records nothing when people walk up.",
            "Motion detection on my Brindle Porch doesn't work.",
            "My phone never buzzes when the doorbell sees movement.",
            "Why does my doorbell only sometimes send alerts?",
            "The doorbell camera misses people at the door.",
            "no alerts from doorbell",
        ],
        "answers": [
            "In the Brindle Home app open Devices > Porch > Notifications and check that Motion alerts are on and "
            "that your phone allows notifications from the app. Battery Saver pauses motion detection when the "
            "battery runs low, so charge the doorbell or switch Battery Saver off, and redraw the motion zones if "
            "the porch isn't covered.",
            "Let's check three things. First, Devices > Porch > Notifications: Motion alerts should be switched on, "
            "and your phone must allow notifications from the Brindle Home app. Second, Battery Saver stops motion "
            "detection on a low battery, so charge the doorbell or turn Battery Saver off. Third, make sure the "
            "motion zones cover your path.",
            "Usually this is Battery Saver, which pauses motion detection when the battery gets low, so please charge "
            "the Porch or switch Battery Saver off. Then confirm Motion alerts are enabled under Devices > Porch > "
            "Notifications and that your phone allows the app's notifications; redraw the motion zones if needed.",
        ],
        "eta": [
            "Alerts resume immediately once Motion alerts are on and Battery Saver is off or the battery is "
            "charged."
        ],
        "escalate": [
            "If Motion alerts are on, Battery Saver is off and still nothing arrives, sign out of the app and back "
            "in to refresh the notification token. If that doesn't help, I'll open a technical case for the Porch.",
        ],
        "subjects": [
            "Doorbell not notifying",
            "No motion alerts from Porch",
            "Doorbell camera misses visitors",
            "Motion detection not working",
        ],
        "ticket_q": [
            "Visitors come and go but my phone gets no notification from the doorbell camera.",
            "The Porch has stopped picking up movement at the front door.",
            "My doorbell cam didn't record the courier dropping off a parcel.",
            "I only receive about half of the movement notifications I expect.",
            "Recently the doorbell app has been silent even when people ring.",
            "The video doorbell isn't catching anyone walking up the drive.",
            "How do I get movement notifications working again on the doorbell?",
            "The doorbell doesn't detect motion at night.",
        ],
        "ticket_details": [
            "The battery shows low in the app.",
            "I'm on an Android phone.",
            "It worked when I first installed it.",
            "The live view works fine.",
        ],
        "ticket_res": [
            "Battery Saver had paused detection on low battery. Customer charged the doorbell; Motion alerts working.",
            "Phone had blocked app notifications. Re-enabled and confirmed Motion alerts on; Battery Saver off.",
            "Motion zones didn't cover the path. Redrawn; Motion alerts on and Battery Saver disabled. Resolved.",
        ],
        "queries": [
            "the front door camera stays silent when visitors arrive",
            "my phone gets no ping when someone walks up to the house",
            "entrance cam didn't record the courier",
            "the porch cam has stopped noticing movement",
            "only some visitors trigger a notification on my phone",
            "the bell camera at the entrance is not detecting people",
            "the entry camera misses people walking up the drive",
            "door cam notifications are not coming through",
            "my front door video unit doesn't detect anyone at night",
            "no pings from the entrance camera anymore",
        ],
        "eval": [
            "My Brindle Porch doorbell no longer tells me when someone is at the door.",
            "Why am I not getting motion notifications from my doorbell?",
            "The video doorbell didn't alert me when the delivery driver came.",
            "Motion detection on the doorbell seems to have stopped.",
            "I only get some alerts from my doorbell camera.",
        ],
    },
    {
        "intent": "coffee_descale",
        "category": "product_faults",
        "era": "base",
        "title": "Brindle Brew coffee machine slow or descale light on",
        "keyphrases": ["descaling solution", "Clean button for 3 seconds"],
        "resolution": (
            "When the coffee runs slowly or the descale light blinks, the Brindle Brew needs descaling. Fill the tank "
            "with water and Brindle descaling solution, put a large container under the spout and hold the Clean "
            "button for 3 seconds; the cycle takes about 25 minutes. Afterwards run a full tank of fresh water to "
            "rinse."
        ),
        "user": [
            "The descale light on my coffee machine keeps blinking.",
            "My Brindle Brew is making coffee really slowly.",
            "The coffee tastes bitter and the machine is noisy.",
            "How do I descale the coffee machine?",
            "My coffee machine only drips out a little coffee.",
            "The orange light on the coffee maker won't go off.",
            "The espresso machine takes forever to brew now.",
            "There's white residue in my coffee machine, how do I clean it?",
            "My coffee isn't hot enough and the flow is weak.",
            "coffee machine slow and light flashing",
        ],
        "answers": [
            "That means it's time to descale. Fill the tank with water and Brindle descaling solution, put a large "
            "container under the spout and hold the Clean button for 3 seconds. The cycle takes about 25 minutes; "
            "afterwards run a full tank of fresh water through to rinse.",
            "A slow flow or a blinking descale light means limescale has built up. Add descaling solution to a full "
            "tank of water, place a big jug under the spout and press and hold the Clean button for 3 seconds to "
            "start the programme (about 25 minutes). Rinse with a tank of fresh water afterwards.",
            "Your Brindle Brew needs a descale. Mix descaling solution with water in the tank, set a large container "
            "under the spout, then hold the Clean button for 3 seconds. It runs for about 25 minutes; finish with a "
            "full tank of clean water to rinse out any taste.",
        ],
        "eta": ["The descaling cycle takes about 25 minutes, plus one tank of fresh water to rinse."],
        "escalate": [
            "If the flow is still weak after a descale with descaling solution, run the cycle once more (hold the "
            "Clean button for 3 seconds again). If nothing improves, the pump may be faulty, and I'll start a "
            "warranty check.",
        ],
        "subjects": [
            "Descale light blinking",
            "Coffee machine slow",
            "Bitter coffee",
            "Limescale in machine",
        ],
        "ticket_q": [
            "The Brew keeps flashing an orange indicator even after I refilled the water.",
            "Espresso now trickles out drop by drop; it used to be fast.",
            "There are chalky white deposits inside the water tank of my coffee maker.",
            "My coffee has a burnt, bitter taste lately and the pump sounds strained.",
            "How do I run the descaling programme on the Brindle Brew?",
            "The coffee maker's output is lukewarm and very slow.",
            "What cleaning product should I use for limescale in the coffee machine?",
            "The machine makes a grinding noise and barely produces coffee.",
            "Coffee from the Brew comes out lukewarm and barely flows.",
        ],
        "ticket_details": [
            "We have very hard water.",
            "It's about eight months old.",
            "I've never cleaned it.",
            "I use filtered water.",
        ],
        "ticket_res": [
            "Limescale build-up. Customer ran a descale with descaling solution by holding the Clean button for 3 "
            "seconds; flow normal.",
            "Blinking descale light. Explained descaling solution plus Clean button for 3 seconds and a rinse; light "
            "cleared.",
            "Slow brew persisted after one cycle; second run with descaling solution (Clean button for 3 seconds) "
            "fixed it.",
        ],
        "queries": [
            "my espresso maker trickles out drop by drop",
            "chalky deposits inside the brewer",
            "the cafe machine has an orange indicator flashing",
            "my morning brew tastes burnt and the pump strains",
            "how to remove limescale from the brewer",
            "coffee from the brewer comes out lukewarm and barely flowing",
            "the brewer takes ages to fill a cup",
            "what cleaner should I use on the espresso appliance for hard water",
            "the bean-to-cup appliance barely produces anything",
            "warning lamp on my brewing appliance blinking",
        ],
        "eval": [
            "My Brindle Brew has a flashing light and the coffee comes out slowly.",
            "How do I get rid of limescale in my coffee machine?",
            "The coffee from my machine tastes bitter lately.",
            "My coffee maker barely drips anything now.",
            "What's the right way to descale the Brindle Brew?",
        ],
    },
    {
        "intent": "bulbs_pairing",
        "category": "product_faults",
        "era": "base",
        "title": "Brindle Glow smart bulbs won't pair",
        "keyphrases": ["off and on 5 times", "Add device"],
        "resolution": (
            "Reset the Brindle Glow bulb by switching the light off and on 5 times until it blinks, then in the "
            "Brindle Home app go to Devices > Add device > Glow bulb with Bluetooth on and your phone within 2 "
            "metres of the bulb. Pair bulbs one at a time."
        ),
        "user": [
            "My new smart bulbs won't pair with the app.",
            "The Glow bulb isn't showing up when I try to add it.",
            "I can't connect my Brindle bulbs to my phone.",
            "One of my smart lights stopped responding, how do I set it up again?",
            "The app can't find my light bulb.",
            "How do I reset a Glow smart bulb?",
            "My bulbs worked before but now they won't reconnect.",
            "Setting up the colour bulbs fails every time.",
            "I bought a pack of smart bulbs and only one paired.",
            "bulb not pairing",
        ],
        "answers": [
            "First reset the bulb: switch the light off and on 5 times until it blinks. Then in the Brindle Home app "
            "go to Devices > Add device > Glow bulb, with Bluetooth on and your phone within 2 metres of the bulb. "
            "If you have several, pair them one at a time.",
            "Let's put the bulb back into pairing mode. Turn the light switch off and on 5 times; the bulb blinks "
            "when it's ready. Open the app, choose Devices > Add device > Glow bulb, keep Bluetooth on and stay "
            "within 2 metres. Add multiple bulbs one at a time.",
            "The fix is usually a reset: flick the wall switch off and on 5 times until the Glow bulb blinks, then "
            "use Add device in the app (Devices > Add device > Glow bulb). Keep your phone's Bluetooth on and within "
            "2 metres, and pair bulbs one at a time.",
        ],
        "eta": ["Pairing takes under a minute per bulb once it's blinking."],
        "escalate": [
            "If it doesn't blink after switching off and on 5 times, try a slightly slower rhythm, about one second "
            "each, then use Add device again. If a bulb still won't pair, it may be faulty and I'll arrange a "
            "replacement.",
        ],
        "subjects": ["Smart bulb won't pair", "Glow bulb not found", "Can't connect bulbs", "Bulb reset"],
        "ticket_q": [
            "The colour lamps I bought are not discovered by the Brindle Home app.",
            "A Glow light that used to work is no longer responding; I'd like to connect it again.",
            "Only one lamp out of the four-pack connects to my phone.",
            "Is there a factory reset for the Glow lights?",
            "The app keeps saying no device found when I set up my lights.",
            "After changing phones I can't re-add my lighting.",
            "The bulb lights up but never appears in the setup screen.",
            "How do I link new Glow lights to my existing ones?",
        ],
        "ticket_details": [
            "They're in the living room lamp.",
            "I use an iPhone.",
            "They're on a dimmer switch.",
            "The other bulbs work fine.",
        ],
        "ticket_res": [
            "Bulb wasn't in pairing mode. Customer switched it off and on 5 times, then used Add device; paired.",
            "Bulbs on a dimmer didn't reset. Customer used a normal switch, off and on 5 times, and Add device "
            "worked for each bulb one at a time.",
            "After phone change, reset each bulb (off and on 5 times) and re-added with Add device. All working.",
        ],
        "queries": [
            "my new lamps aren't discovered by the phone",
            "the colour lights won't link to the app",
            "factory reset for the lighting",
            "the phone finds nothing when I try to connect my lamps",
            "one lamp out of four connects, the rest won't",
            "re-add my lighting after switching phones",
            "the light lights up but never shows in setup",
            "my connected lamp stopped responding to the phone",
            "can't get the wireless lights into the app",
            "hooking up colour-changing lamps fails",
        ],
        "eval": [
            "My Glow bulbs aren't found by the app during setup.",
            "How do I reset a Brindle smart bulb so I can pair it again?",
            "Only some of my smart bulbs connect to the app.",
            "I replaced my phone and now my bulbs won't pair.",
            "The smart light bulb won't connect, what should I do?",
        ],
    },
    {
        "intent": "blender_stops",
        "category": "product_faults",
        "era": "base",
        "title": "Brindle Whirl blender stops or won't start",
        "keyphrases": ["overload protection", "20 minutes"],
        "resolution": (
            "The Brindle Whirl only runs when the jug is locked onto the base and the lid is clicked shut. If it "
            "stops mid-blend, the overload protection has tripped: unplug it, let the motor cool for 20 minutes, "
            "then blend smaller batches with more liquid."
        ),
        "user": [
            "My blender stops halfway through blending.",
            "The Brindle Whirl won't turn on at all.",
            "My blender cuts out when I make smoothies with frozen fruit.",
            "The blender just stopped and now won't start again.",
            "The blender makes a burning smell and then switches off.",
            "I press the button on the blender and nothing happens.",
            "My Whirl keeps shutting off after a few seconds.",
            "Why does my blender stop when I crush ice?",
            "The blender motor died in the middle of making soup.",
            "blender wont start",
        ],
        "answers": [
            "The Brindle Whirl only runs when the jug is locked onto the base and the lid is clicked shut, so check "
            "both first. If it stopped mid-blend, the overload protection has tripped: unplug it, let the motor cool "
            "for 20 minutes, then blend smaller batches with a bit more liquid.",
            "That's the overload protection switching the motor off to protect it, usually with thick or frozen "
            "mixtures. Unplug the blender, leave it to cool for 20 minutes, and try again with a smaller batch and "
            "more liquid. Also make sure the jug is locked and the lid clicked shut, or it won't start.",
            "Please check that the jug is twisted until it locks and the lid clicks shut, since the Whirl won't run "
            "otherwise. If it cut out while blending, its overload protection kicked in; unplug it for 20 minutes "
            "to let the motor cool, then use smaller batches with extra liquid.",
        ],
        "eta": ["After 20 minutes of cooling the overload protection resets and the blender works again."],
        "escalate": [
            "If it still won't start after cooling for 20 minutes with the jug locked and lid shut, the overload "
            "protection may not be the cause. The Whirl is covered by warranty, so I can start a replacement.",
        ],
        "subjects": [
            "Blender stops mid-use",
            "Blender won't start",
            "Blender cuts out with ice",
            "Burning smell from blender",
        ],
        "ticket_q": [
            "The Whirl switches itself off whenever I blend frozen berries.",
            "Pressing the power button on the blender does nothing at all.",
            "The motor cut out while I was making soup and smelled hot.",
            "My blender shuts down a few seconds into every use.",
            "It starts, then abruptly dies when crushing ice cubes.",
            "The blender refuses to run even though it's plugged in.",
            "Is the blender supposed to turn off on its own with thick mixtures?",
            "My Brindle blender stalls and won't restart.",
            "The blender cuts out as soon as the mixture gets thick.",
        ],
        "ticket_details": [
            "I make smoothies every morning.",
            "It's only two months old.",
            "I was making nut butter.",
            "The outlet works for other appliances.",
        ],
        "ticket_res": [
            "The overload protection tripped with frozen fruit. Customer let it cool for 20 minutes and used more "
            "liquid; works.",
            "Jug not fully locked so it wouldn't start. After locking, fine. Explained overload protection and "
            "20 minutes cooling for future cut-outs.",
            "Still dead after 20 minutes cooling; not overload protection. Replaced under warranty.",
        ],
        "queries": [
            "the smoothie maker cuts out with frozen fruit",
            "my kitchen mixer does nothing when I press power",
            "the motor smelled hot and quit during soup",
            "the mixing jug appliance dies when crushing ice",
            "it switches itself off with thick mixtures",
            "my food processor stalls and won't restart",
            "the mixer shuts down seconds after starting",
            "the liquidiser is plugged in but refuses to run",
            "hot smell then the appliance quit mid-use",
            "my smoothie appliance keeps switching off",
        ],
        "eval": [
            "My Brindle Whirl blender keeps stopping when I make smoothies.",
            "The blender won't switch on, what could be wrong?",
            "My blender smelled hot and then stopped working.",
            "Why does the blender turn off when I blend ice?",
            "The blender starts and then cuts out after a few seconds.",
        ],
    },
]

# ------------------------------------------------------------------------------------ recent era
# Only in the newest logs (2025-09-01 onwards): the Brindle Aura air purifier launch, the Trade-In
# programme, and the return window extended from 30 to 60 days. return_window_extended answers
# "60 days" where base-era start_return answers say "30 days".
INTENTS += [
    {
        "intent": "aura_setup",
        "category": "product_setup",
        "era": "recent",
        "title": "Set up the new Brindle Aura air purifier",
        "keyphrases": ["Add device > Aura air purifier", "Wi-Fi button for 5 seconds"],
        "resolution": (
            "Plug in the Brindle Aura and remove the plastic wrap from the filter. In the Brindle Home app choose "
            "Devices > Add device > Aura air purifier, then hold the Wi-Fi button for 5 seconds (it is on the back) "
            "until the ring pulses blue and follow the steps in the app."
        ),
        "user": [
            "I just got the new Brindle Aura air purifier, how do I set it up?",
            "How do I connect my Aura purifier to the app?",
            "The Aura isn't showing up in the app when I try to add it.",
            "I can't get my new air purifier onto Wi-Fi.",
            "What's the first thing to do with the Aura after unboxing?",
            "How do I pair the Aura air purifier with my phone?",
            "The light ring on my new Aura doesn't pulse blue during setup.",
            "My air purifier won't link to my Brindle Home account.",
            "Is there a setup guide for the Aura purifier?",
            "new aura purifier, how to connect",
        ],
        "answers": [
            "Welcome to the Aura! Plug it in and remove the plastic wrap from the filter. Then in the Brindle Home "
            "app choose Devices > Add device > Aura air purifier, and hold the Wi-Fi button for 5 seconds (it's on "
            "the back) until the ring pulses blue. The app walks you through the rest.",
            "Setup takes a couple of minutes. Take the plastic wrap off the filter and plug in the purifier. Open "
            "the app, go to Devices > Add device > Aura air purifier, then press and hold the Wi-Fi button for 5 "
            "seconds; when the ring pulses blue, follow the on-screen steps.",
            "In the Brindle Home app select Devices > Add device > Aura air purifier. On the Aura itself, make sure "
            "the filter's plastic wrap is removed, then hold the Wi-Fi button for 5 seconds (it's on the back) until "
            "the light ring pulses blue, and finish the steps in the app.",
        ],
        "eta": ["Setup takes a couple of minutes once the ring pulses blue."],
        "escalate": [
            "If the ring doesn't pulse blue, unplug the Aura for a moment, plug it back in and hold the Wi-Fi button "
            "for 5 seconds again, then retry Devices > Add device > Aura air purifier with your phone next to it.",
        ],
        "subjects": [
            "Aura setup help",
            "Connect Aura purifier",
            "Aura not found in app",
            "New air purifier setup",
        ],
        "ticket_q": [
            "I unboxed the Aura purifier today and need help connecting it to the Brindle Home app.",
            "The Aura doesn't appear in the device list during setup.",
            "How do I put the air purifier into pairing mode?",
            "My new Aura won't join the home Wi-Fi network.",
            "The purifier's ring stays white instead of going blue when I try to connect.",
            "Which steps are needed to add the Aura to my account?",
            "Bought the Aura air purifier, where do I begin with setup?",
            "The app times out while adding the air purifier.",
            "How do I connect the new Aura air purifier to the Brindle Home app?",
            "My new air purifier won't join the home Wi-Fi during installation.",
            "I just unpacked the Aura, what are the steps to get it online?",
        ],
        "ticket_details": [
            "It's for the bedroom.",
            "I already have a Thermo in the app.",
            "I bought it in the launch offer.",
            "I'm using an Android tablet.",
        ],
        "ticket_res": [
            "Customer hadn't entered pairing mode. Holding the Wi-Fi button for 5 seconds, then Add device > Aura air "
            "purifier in the app worked.",
            "Aura not found. Removed filter wrap, power-cycled, used Add device > Aura air purifier and held the "
            "Wi-Fi button for 5 seconds. Connected.",
            "New Aura setup walkthrough: Add device > Aura air purifier, Wi-Fi button for 5 seconds until blue ring. "
            "Done.",
        ],
        "queries": [
            "just unpacked the new air cleaner, how do I connect it to the app",
            "link the air cleaning unit to my phone",
            "the air cleaner doesn't appear when I try adding it",
            "pairing mode for the new air cleaner",
            "my freshly bought air cleaner won't join the home network",
            "the air cleaner's ring never turns blue while I pair it with my phone",
            "first steps with the newly launched air cleaning gadget",
            "adding the new air cleaner in the app times out",
            "getting my new air cleaning machine onto wifi",
            "connect the recently released air cleaner",
        ],
        "eval": [
            "I bought the Brindle Aura. How do I add it to the app?",
            "My Aura air purifier won't connect during setup.",
            "The ring on the Aura never turns blue when I set it up.",
            "How do I get my new air purifier on Wi-Fi?",
            "What are the setup steps for the Aura purifier?",
        ],
    },
    {
        "intent": "aura_filter",
        "category": "product_setup",
        "era": "recent",
        "title": "Replace the Aura air purifier filter",
        "keyphrases": ["every 6 months", "Reset filter"],
        "resolution": (
            "Replace the Aura's HEPA filter every 6 months, or sooner if the filter light turns orange. Twist off the "
            "back cover, swap the filter, then choose Devices > Aura > Filter > Reset filter in the app so the filter "
            "timer starts again."
        ),
        "user": [
            "How often should I change the filter in my Aura?",
            "The filter light on my air purifier turned orange.",
            "Where do I buy replacement filters for the Aura purifier?",
            "I replaced the Aura filter but the app still says it needs changing.",
            "How do I swap the filter in the Brindle Aura?",
            "The purifier says filter life is low, what do I do?",
            "How long does an Aura filter last?",
            "Can I wash the filter in my air purifier?",
            "I put in a new filter and the orange light is still on.",
            "aura filter change?",
        ],
        "answers": [
            "The Aura's HEPA filter should be replaced every 6 months, or sooner if the filter light turns orange. "
            "Twist off the back cover, swap in the new filter, then go to Devices > Aura > Filter > Reset filter in "
            "the app so the timer starts again.",
            "Change the HEPA filter every 6 months (earlier if the light goes orange); it can't be washed. Remove the "
            "back cover with a twist, fit the new filter, then tap Reset filter under Devices > Aura > Filter in the "
            "app, otherwise the warning stays on.",
            "An orange light means the filter is due; with normal use, plan on a new filter every 6 months. Swap it by "
            "twisting off the back cover, then select Devices > Aura > Filter > Reset filter in the app to clear the "
            "light and restart the timer.",
        ],
        "eta": [
            "The light clears as soon as you tap Reset filter, and the timer then counts down to the next change, "
            "which is due every 6 months."
        ],
        "escalate": [
            "If the orange light stays on after Reset filter, check the new filter is seated until it clicks and "
            "tap Reset filter again in the app. If it persists, I'll open a technical case.",
        ],
        "subjects": [
            "Aura filter replacement",
            "Filter light orange",
            "Filter reset not working",
            "How often to change filter",
        ],
        "ticket_q": [
            "The indicator on my purifier went orange; does that mean the HEPA insert is used up?",
            "What's the recommended interval for changing the Aura's filter?",
            "I fitted a new cartridge but the app still warns me.",
            "Can the Aura filter be vacuumed or rinsed instead of replaced?",
            "Where do I get a spare filter for the purifier?",
            "How do I open the back of the Aura to reach the filter?",
            "The filter timer didn't restart after I changed it.",
            "My air purifier says filter life 5%.",
            "How do I open the Aura to replace the filter cartridge?",
            "The Aura warns that the HEPA filter is nearly used up.",
            "After swapping the purifier filter the countdown didn't restart.",
        ],
        "ticket_details": [
            "We have two cats.",
            "It runs all day.",
            "I bought the purifier in September.",
            "I live near a busy road.",
        ],
        "ticket_res": [
            "Filter due. Explained replacement every 6 months and the Reset filter step in the app. Resolved.",
            "New filter fitted but timer not restarted; customer used Reset filter. Reminded filters last every 6 "
            "months roughly.",
            "Customer asked about washing the filter; not washable. Replace every 6 months and use Reset filter.",
        ],
        "queries": [
            "the purifier indicator went amber, is the cartridge used up",
            "recommended interval for swapping the cartridge in the air cleaner",
            "fitted a fresh insert in the air cleaner but the replacement warning stays on",
            "can I rinse the HEPA insert instead of replacing it",
            "where can I get a spare cartridge for the air cleaner",
            "how do I open the air cleaner to swap its cartridge",
            "the air cleaner's cartridge countdown didn't restart after a swap",
            "the air cleaner warns that its HEPA insert is nearly used up",
            "how long does the purifying cartridge last",
            "how often should the air cleaner's insert be swapped",
        ],
        "eval": [
            "The filter light on my Aura is orange. What do I do?",
            "How often do I need a new filter for the air purifier?",
            "I changed the Aura filter but the warning won't go away.",
            "Can I clean the Aura filter rather than buy a new one?",
            "How do I replace the filter in the Aura purifier?",
        ],
    },
    {
        "intent": "aura_fault",
        "category": "product_faults",
        "era": "recent",
        "title": "Aura air purifier stuck on red or running loud",
        "keyphrases": ["particle sensor", "Auto mode"],
        "resolution": (
            "If the Aura's air-quality ring stays red or the fan runs at full speed all the time, the particle sensor "
            "is usually dusty. Unplug the purifier, open the small sensor flap on the side, clean the lens with a dry "
            "cotton swab and switch back to Auto mode. A rattling noise usually means the filter isn't seated; refit "
            "it until it clicks."
        ),
        "user": [
            "My Aura purifier shows red all the time even though the air is fine.",
            "The Aura fan is running at full blast constantly.",
            "My air purifier is making a rattling noise.",
            "The air quality ring on my Aura never changes from red.",
            "The Aura is really loud, even at night.",
            "The air quality reading on my purifier seems wrong.",
            "My new Aura keeps roaring like a jet engine.",
            "The purifier says the air is bad in every room.",
            "Something is rattling inside my Brindle Aura.",
            "aura stuck on red",
        ],
        "answers": [
            "A ring that stays red or a fan stuck at full speed usually means the particle sensor is dusty. Unplug "
            "the Aura, open the small sensor flap on the side, clean the lens with a dry cotton swab, then switch "
            "back to Auto mode. If it rattles, the filter probably isn't seated: refit it until it clicks.",
            "That's almost always the particle sensor. With the purifier unplugged, open the sensor flap on the side "
            "and wipe the lens gently with a dry cotton swab. Plug it back in and select Auto mode so the fan follows "
            "the real air quality. A rattle means the filter needs reseating until it clicks.",
            "Please clean the particle sensor: unplug the Aura, lift the little flap on its side and wipe the lens "
            "with a dry cotton swab. Then set it to Auto mode. For rattling, take the filter out and refit it so it "
            "clicks into place.",
        ],
        "eta": ["After cleaning the particle sensor the reading settles within a few minutes in Auto mode."],
        "escalate": [
            "If the ring is still red after cleaning the particle sensor and switching to Auto mode, the sensor may "
            "be faulty. The Aura is under warranty, so I can arrange a replacement.",
        ],
        "subjects": [
            "Aura always red",
            "Purifier fan too loud",
            "Rattling noise from Aura",
            "Air quality reading wrong",
        ],
        "ticket_q": [
            "The Aura reports poor air quality non-stop, even with windows open on a clear day.",
            "Our purifier's fan never slows down and it's keeping us awake.",
            "There's a clicking, rattling sound coming from inside the Aura.",
            "The colour ring has been stuck on red since the second week.",
            "The pollution reading on the purifier looks inaccurate.",
            "My Aura sounds like a hairdryer all the time.",
            "The purifier seems to think the room is always polluted.",
            "Strange vibration noise from the air purifier after moving it.",
            "The Aura purifier is always on red and the fan runs at maximum.",
            "My air purifier reads bad air quality all the time and is very loud.",
        ],
        "ticket_details": [
            "It's in the nursery.",
            "We don't smoke or cook in that room.",
            "I bought it in October.",
            "The app shows the same reading.",
        ],
        "ticket_res": [
            "Dusty particle sensor. Customer cleaned it with a cotton swab and set Auto mode; ring now green.",
            "Fan stuck high because Auto mode was off and particle sensor dirty. Both fixed.",
            "Rattle from unseated filter; refitted. Also cleaned the particle sensor and switched to Auto mode.",
        ],
        "queries": [
            "the air cleaner thinks the room is polluted non-stop",
            "the air cleaning unit's fan never slows down and keeps us awake",
            "clicking sound from inside the new air cleaner",
            "the colour ring on the air cleaner is always red",
            "the pollution reading on the air cleaner is inaccurate",
            "the air cleaning machine sounds like a hairdryer",
            "vibration noise from the air cleaner after I moved it",
            "my air cleaner reports bad air on a clear day",
            "the recently launched air cleaner is roaring",
            "air cleaner reading seems broken",
        ],
        "eval": [
            "My Aura always shows red and the fan runs at maximum.",
            "Why is my air purifier so loud all the time?",
            "There's a rattle coming from my new Aura.",
            "The Aura says the air quality is bad but it isn't.",
            "The air quality light on my purifier is stuck on red.",
        ],
    },
    {
        "intent": "return_window_extended",
        "category": "returns",
        "era": "recent",
        "title": "Return window extended to 60 days",
        "order": True,
        "keyphrases": ["60 days", "support.brindlehome.example/returns"],
        "resolution": (
            "Since 1 September 2025 you can return items within 60 days of delivery. Start the return at "
            "support.brindlehome.example/returns and print the prepaid return label; the same rules apply as before "
            "(all accessories included, refund to the original payment method)."
        ),
        "user": [
            "I bought something 45 days ago, can I still return it?",
            "Is it true you now accept returns for longer than a month?",
            "How long is your return window now?",
            "I heard the return period changed, how many days do I have?",
            "My order was delivered six weeks ago, is it too late to send it back?",
            "Can I return {order}? It arrived more than a month ago.",
            "Has the returns policy been extended?",
            "I missed the 30-day return window, can I still return my item?",
            "Do I still have time to return the blender I got last month?",
            "whats the return window now",
        ],
        "answers": [
            "Good news: since 1 September 2025 you can return items within 60 days of delivery. Start the return at "
            "support.brindlehome.example/returns and print the prepaid return label; the usual rules still apply, "
            "so include all accessories, and the refund goes to the original payment method.",
            "Yes, our return window is now 60 days from delivery (since 1 September 2025). You can start the return "
            "at support.brindlehome.example/returns and print a prepaid return label there. Please pack all the "
            "accessories; the refund goes back to your original payment method.",
            "You're within the new policy if it was delivered less than 60 days ago: since 1 September 2025 we "
            "accept returns for 60 days. Go to support.brindlehome.example/returns to choose the item and print the "
            "prepaid return label.",
        ],
        "eta": [
            "You have 60 days from delivery to start the return; the refund goes to the original payment method "
            "once it arrives."
        ],
        "escalate": [
            "If the returns page won't accept it, the delivery may be more than 60 days ago. Tell me the item and "
            "I'll check the delivery date against the 60 days window.",
        ],
        "subjects": [
            "Return after 30 days",
            "New return policy",
            "Is it too late to return?",
            "Return window question",
        ],
        "ticket_q": [
            "I received {order} seven weeks ago; am I still within the returns period?",
            "A friend mentioned your return policy was lengthened. What's the new limit?",
            "Past a month since delivery. Can I still send the vacuum back?",
            "Did the returns deadline change recently?",
            "The item arrived over thirty days ago, is a return still possible?",
            "How many days from delivery do I have to return under the current rules?",
            "I thought I'd missed the deadline but saw something about a longer return period.",
            "Is the extended returns period valid for orders from the summer?",
            "It has been almost two months since delivery, can I still send the item back?",
            "Is the time limit for returns longer now than it used to be?",
            "I believed the return deadline had passed, has the allowed period changed?",
            "More than 30 days have passed since delivery. Can I still return it under the new policy?",
            "I heard you now allow more time to return purchases, is that right?",
        ],
        "ticket_details": [
            "It's unopened.",
            "It was a gift I don't need.",
            "I was travelling for a month.",
            "I have the original packaging.",
        ],
        "ticket_res": [
            "Within the new 60 days window. Customer started return at support.brindlehome.example/returns.",
            "Explained policy change: returns accepted within 60 days of delivery. Return created via "
            "support.brindlehome.example/returns.",
            "Delivered 50 days earlier, eligible under 60 days policy. Sent support.brindlehome.example/returns link.",
        ],
        "queries": [
            "was the send-back deadline lengthened recently",
            "I'm past a month since delivery, can the item still go back",
            "what's the current day limit for sending stuff back",
            "my friend said you now give more time to send things back",
            "seven weeks after arrival, am I still allowed to send it back",
            "I thought I was too late to send my purchase back, is the window longer now",
            "how many days do I get now to send a purchase back under the new rules",
            "does the longer send-back period cover summer purchases",
            "the new, longer deadline for sending purchases back",
            "over thirty days since it arrived, still eligible to give it back?",
        ],
        "eval": [
            "It's been about seven weeks since my order arrived. Can I still return it?",
            "I heard your return policy got longer. How long do I have now?",
            "Is it too late to return something I received 40 days ago?",
            "What's the current return period for Brindle Home orders?",
            "Did you extend the time limit for returns?",
        ],
    },
    {
        "intent": "trade_in",
        "category": "promotions",
        "era": "recent",
        "title": "Trade in an old device (Brindle Trade-In)",
        "keyphrases": ["Trade-In", "store credit"],
        "resolution": (
            "With Brindle Trade-In you can send us an old thermostat, robot vacuum or coffee machine of any brand. "
            "Get a quote at Account > Trade-In, print the free shipping label, and once we've checked the device we "
            "add the quoted value to your account as store credit within 5 business days."
        ),
        "user": [
            "Can I trade in my old robot vacuum?",
            "How does the new Trade-In programme work?",
            "I want to swap my old thermostat for credit towards a new one.",
            "Do you take old coffee machines in exchange for a discount?",
            "What will I get for trading in my old vacuum?",
            "Can I trade in a device from another brand?",
            "I sent my old device for trade-in, when do I get the credit?",
            "Is there a way to get money for my old appliance when I buy a new one?",
            "How do I get a trade-in quote?",
            "trade in old thermostat?",
        ],
        "answers": [
            "Yes! With Brindle Trade-In you can send us an old thermostat, robot vacuum or coffee machine of any "
            "brand. Get a quote at Account > Trade-In, print the free shipping label, and once we've checked the "
            "device we add the quoted value to your account as store credit within 5 business days.",
            "Brindle Trade-In accepts old thermostats, robot vacuums and coffee machines from any brand. Go to "
            "Account > Trade-In for a quote, send the device with the free label, and after inspection the value "
            "is added as store credit within 5 business days.",
            "Here's how Trade-In works: request a quote under Account > Trade-In, ship the old device (any brand of "
            "thermostat, robot vacuum or coffee machine) using the free label, and we credit the quoted value as "
            "store credit within 5 business days of checking it.",
        ],
        "eta": ["The store credit is added within 5 business days after we receive and check the device."],
        "escalate": [
            "If the store credit hasn't appeared 5 business days after we received the device, I'll check the "
            "Trade-In inspection status and have it credited.",
        ],
        "subjects": [
            "Trade-In question",
            "Trade-In credit not received",
            "Trade in old appliance",
            "Trade-In quote",
        ],
        "ticket_q": [
            "Does your exchange scheme accept a competitor's thermostat?",
            "I mailed my old robot vacuum for the Trade-In and haven't got the store credit yet.",
            "What value would my five-year-old coffee machine get in part exchange?",
            "Is the Trade-In offer paid as cash or as account credit?",
            "How do I ship my old appliance for the Trade-In programme?",
            "Can I exchange my worn-out vacuum for a discount on the new model?",
            "Where do I get a Trade-In valuation?",
            "The Trade-In quote I got seems low, how is it calculated?",
            "Can I hand in my old device from another brand for credit on a new one?",
            "I want to exchange my used thermostat for credit through Trade-In.",
        ],
        "ticket_details": [
            "It still works.",
            "It's from another brand.",
            "I want to buy the Aura.",
            "I don't have the original box.",
        ],
        "ticket_res": [
            "Explained Trade-In: quote at Account > Trade-In, free label, store credit within 5 business days.",
            "Trade-In device received and checked; store credit issued. Customer confirmed.",
            "Competitor brand accepted for Trade-In. Quote generated; store credit after inspection.",
        ],
        "queries": [
            "part exchange my old heating controller",
            "will you give me credit in exchange for my worn-out cleaning robot",
            "exchange scheme for used appliances",
            "what value would my ancient espresso maker get",
            "hand in a competitor's old gadget for credit on a new one",
            "I posted my old appliance to you for credit, where is it",
            "get a valuation for my used machine",
            "is the part-exchange paid in cash or account balance",
            "give you my old used device in exchange for credit",
            "how is the part-exchange offer calculated",
        ],
        "eval": [
            "How can I trade in my old coffee machine?",
            "I sent my old vacuum for trade-in. When will I get credit?",
            "Do you accept other brands in your Trade-In scheme?",
            "Can I get something for my old thermostat when upgrading?",
            "Where can I get a trade-in quote for my robot vacuum?",
        ],
    },
]

# --------------------------------------------------------------------------------------------------
# Shared phrase tables
# --------------------------------------------------------------------------------------------------

# First words that stay capitalised after "Hi," (the pronoun I and product names).
KEEP_CAPITALISED = {"I", "I'm", "I've", "I'd", "Brindle", "Brindle's"}
GREETINGS = [
    "Hi,",
    "Hello,",
    "Hey there,",
    "Hi Brindle team,",
    "Good morning,",
    "Good evening.",
    "Hello support,",
    "hi",
    "Hi there!",
    "Hey,",
]
# Appended after the problem statement; the politeness level varies from curt to very polite.
ASKS = [
    "Can you help?",
    "Could you help me with this, please?",
    "What should I do?",
    "Any ideas?",
    "Please advise.",
    "I'd really appreciate some help.",
    "This is getting frustrating.",
    "Thanks in advance.",
    "Please help.",
    "Would be grateful for any help!",
    "Sorry if this is a silly question.",
]
SIGNOFFS = [
    "Thanks",
    "Thanks, Priya",
    "Cheers, Tom",
    "Regards, A. Novak",
    "Thank you!",
    "- Dana",
    "Many thanks, Luis",
    "Best, Karin",
]

# How a customer writes an order number; the agent always answers with "order #<digits>".
ORDER_FORMS = ["order {n}", "order #{n}", "#{n}"]
# Sentences that name the order themselves use the bare forms "4821937" / "#4821937".
ORDER_SENTENCES = [
    "My order number is {n}.",
    "My order number is #{n}.",
    "It's order #{n}.",
    "It's order {n}.",
    "Order number: {n}.",
    "This is about order #{n}.",
    "(order #{n})",
    "(#{n})",
]
AMOUNT_SENTENCES = ["The amount was {amount}.", "It was {amount}.", "That's {amount} we're talking about."]
PRICES = [
    "$19.99",
    "$24.99",
    "$29.00",
    "$34.99",
    "$39.99",
    "$49.99",
    "$59.00",
    "$64.50",
    "$79.99",
    "$89.99",
    "$99.00",
    "$119.99",
    "$129.99",
    "$149.00",
    "$179.99",
    "$199.99",
    "$229.00",
    "$249.99",
    "$299.99",
    "$349.00",
]

AGENT_OPENERS = [
    "",
    "",
    "",
    "Thanks for getting in touch.",
    "Happy to help.",
    "Thanks for reaching out!",
    "Sure thing.",
]
AGENT_CLOSERS = [
    "",
    "",
    "Let me know if anything else comes up.",
    "Is there anything else I can help with?",
    "Hope that helps!",
]
AGENT_ORDER_ACKS = [
    "I've checked order #{n}.",
    "Thanks, I've looked up order #{n}.",
    "I can see order #{n} on your account.",
    "Looking at order #{n} now.",
]
AGENT_AMOUNT_ACKS = ["About the {amount} you mentioned:", "Regarding the {amount}:"]
AGENT_ASK_ORDER = [
    "If you share your order number, I can look it up for you.",
    "Feel free to send the order number and I'll check it.",
]
# Said when the customer pasted a card number or IBAN: the agent must never repeat it.
AGENT_PII_WARNINGS = [
    "For your security, please don't share full card or bank details in chat; I don't need them.",
    "Just a note: please avoid posting card or bank numbers here, we never need them in chat.",
]

FOLLOWUPS = {
    "how_long": [
        "How long will that take?",
        "How long does that usually take?",
        "When can I expect that?",
        "ok and how long?",
        "Roughly how long?",
    ],
    "didnt_work": [
        "I tried that and it didn't work.",
        "That didn't help, still the same problem.",
        "Still not working unfortunately.",
        "did that, no luck",
        "I did all that and nothing changed.",
    ],
    "human": [
        "Can I talk to a real person?",
        "I'd like to speak to a human please.",
        "Is there someone I can call?",
    ],
    "thanks": [
        "Thanks!",
        "Perfect, thank you.",
        "great thanks",
        "That worked, cheers!",
        "Thanks for the help.",
        "Brilliant, thanks a lot.",
    ],
    "give_order": [
        "The order number is {n}.",
        "It's order #{n}, if that helps.",
        "Here's my order number: {n}",
        "#{n}",
        "order {n}",
    ],
}
FOLLOWUP_REPLIES = {
    "human": [
        "Of course. I've passed this conversation to our support team and someone will reply here by email; "
        "they'll see everything you've shared, so you won't need to repeat it.",
        "Sure, I've handed this over to a member of the support team. They'll pick it up from this conversation "
        "and reply by email.",
    ],
    "thanks": [
        "You're welcome! Have a great day.",
        "Glad I could help!",
        "Happy to help. Enjoy your day!",
        "Anytime, take care!",
    ],
    "give_order": [
        "Thanks, I've checked order #{n}; the steps above apply to it.",
        "Thanks! I've added order #{n} to this conversation, so the steps above are all you need.",
        "Got it, order #{n}. Everything I described above applies to that order.",
    ],
}

# PII sentences. Each is followed by punctuation or a lower-case word, never by a capital letter or
# digit, so the redaction regexes see a clean boundary after the value.
PII_SENTENCES = {
    "email": [
        "My account email is {v}.",
        "You can reach me at {v} if needed.",
        "I'm registered as {v}.",
        "email: {v}",
    ],
    "phone": [
        "Call me on {v} if that's easier.",
        "My phone number is {v}.",
        "You can ring me at {v}, any time.",
    ],
    "card": [
        "The card I paid with is {v}.",
        "card number {v} if you need it",
        "I used my card {v}, by the way.",
    ],
    "iban": [
        "Please send the money to my IBAN {v}, not the card.",
        "My bank account is {v}, if that helps.",
        "IBAN for the refund: {v}.",
    ],
}
FIRST_NAMES = [
    "jane",
    "tom",
    "priya",
    "luis",
    "karin",
    "ahmed",
    "mei",
    "olga",
    "sam",
    "dana",
    "noah",
    "fatima",
    "lucas",
    "emma",
    "kwame",
    "yuki",
    "ines",
    "marco",
    "sara",
    "ben",
]
LAST_NAMES = [
    "doe",
    "miller",
    "patel",
    "garcia",
    "novak",
    "okafor",
    "chen",
    "ivanova",
    "berg",
    "rossi",
    "kim",
    "silva",
    "murphy",
    "haddad",
    "larsen",
]
EMAIL_DOMAINS = ["examplemail.com", "mailbox.example", "inbox.example.org", "post.example.net"]
US_AREA_CODES = ["415", "212", "312", "206", "617", "303", "512", "646"]
GB_BANKS = ["NWBK", "BARC", "LOYD", "MIDL", "HBUK"]

TICKET_OPENERS = ["Hello,", "Hi team,", "Dear Brindle Home support,", "Good afternoon,"]
TICKET_CLOSERS = [
    "Thank you.",
    "Kind regards.",
    "Thanks for your help.",
    "Looking forward to your reply.",
]

BASE_START, BASE_END = datetime(2024, 1, 1), datetime(2025, 8, 31, 23, 59)
RECENT_START, RECENT_END = datetime(2025, 9, 1), datetime(2025, 12, 31, 23, 59)

N_CONV = {"base": 3900, "recent": 600}
N_TICKETS = {"base": 20, "recent": 10}  # per intent
TYPO_RATE = 0.10
PII_RATE = 0.08
TICKET_PII_RATE = 0.05
ORDER_RATE = 0.6  # order-related intents: how often the first turn quotes an order number
AMOUNT_RATE = 0.5


# --------------------------------------------------------------------------------------------------
# Identifiers and PII
# --------------------------------------------------------------------------------------------------


def luhn_check_digit(partial: str) -> str:
    total = 0
    # Walking right-to-left over the partial number, the check digit will sit at position 0, so
    # the digits that get doubled are those at even offsets here.
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(digits: str) -> bool:
    return luhn_check_digit(digits[:-1]) == digits[-1]


def iban_check_digits(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    number = int("".join(str(int(ch, 36)) for ch in rearranged))
    return f"{98 - number % 97:02d}"


def iban_ok(iban: str) -> bool:
    compact = iban.replace(" ", "")
    number = int("".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4]))
    return number % 97 == 1


def make_email(rng: random.Random) -> str:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    sep = rng.choice([".", "_", ""])
    suffix = rng.choice(["", "", str(rng.randint(1, 99))])
    return f"{first}{sep}{last}{suffix}@{rng.choice(EMAIL_DOMAINS)}"


def make_phone(rng: random.Random) -> str:
    # 555-01xx (US) and Ofcom's drama ranges (UK) are reserved for fiction. The UK mobile is written
    # "7700 900 123": core.pii's phone pattern allows digit groups of at most 5, so the equally
    # common "7700 900123" would slip through redaction.
    xx, xxx = f"{rng.randint(0, 99):02d}", f"{rng.randint(0, 999):03d}"
    area = rng.choice(US_AREA_CODES)
    return rng.choice(
        [
            f"+1 {area}-555-01{xx}",
            f"({area}) 555 01{xx}",
            f"({area}) 555-01{xx}",
            f"{area}-555-01{xx}",
            f"+44 20 7946 0{xxx}",
            f"+44 161 496 0{xxx}",
            f"+44 7700 900 {xxx}",
        ]
    )


def make_card(rng: random.Random) -> str:
    prefix = rng.choice(["4", "51", "52", "53", "54", "55"])
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(15 - len(prefix)))
    digits = body + luhn_check_digit(body)
    style = rng.random()
    if style < 0.5:
        return " ".join(digits[i : i + 4] for i in range(0, 16, 4))
    if style < 0.65:
        return "-".join(digits[i : i + 4] for i in range(0, 16, 4))
    return digits


def make_iban(rng: random.Random) -> str:
    def num(k: int) -> str:
        return "".join(str(rng.randint(0, 9)) for _ in range(k))

    country = rng.choice(["DE", "GB", "FR"])
    if country == "DE":
        bban = num(8) + num(10)
    elif country == "GB":
        bban = rng.choice(GB_BANKS) + num(6) + num(8)
    else:
        bban = num(5) + num(5) + num(11) + num(2)
    compact = country + iban_check_digits(country, bban) + bban
    if rng.random() < 0.5:
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return compact


PII_MAKERS = {"email": make_email, "phone": make_phone, "card": make_card, "iban": make_iban}


def pick_pii_kind(rng: random.Random, category: str) -> str:
    # Card numbers and bank details show up mostly where money is discussed.
    if category in ("billing", "refunds", "membership"):
        weights = {"email": 0.35, "phone": 0.2, "card": 0.3, "iban": 0.15}
    else:
        weights = {"email": 0.5, "phone": 0.32, "card": 0.13, "iban": 0.05}
    return weighted(rng, weights)


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    r, acc = rng.random() * sum(weights.values()), 0.0
    for key, w in weights.items():  # dict order is insertion order: deterministic
        acc += w
        if r < acc:
            return key
    return key


def make_order_number(rng: random.Random) -> str:
    return str(rng.randint(1000000, 9999999))


def make_amount(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(PRICES)
    return f"${rng.randint(12, 420)}.{rng.choice(['00', '49', '95', '99'])}"


# --------------------------------------------------------------------------------------------------
# Rendering helpers
# --------------------------------------------------------------------------------------------------

# Only plain words (optionally with trailing punctuation) are ever mangled, so order numbers, amounts
# and PII values stay exact.
_PLAIN_WORD = re.compile(r"^([A-Za-z']+)([.,!?]*)$")


def add_typos(text: str, rng: random.Random) -> str:
    tokens = text.split(" ")
    plain = [i for i, t in enumerate(tokens) if _PLAIN_WORD.match(t)]
    long_words = [i for i in plain if len(_PLAIN_WORD.match(tokens[i]).group(1)) >= 4]
    kind = rng.choice(["swap", "swap", "drop", "lower", "nopunct", "lower_nopunct"])
    if kind in ("swap", "drop") and long_words:
        for i in rng.sample(long_words, min(len(long_words), rng.choice([1, 1, 2]))):
            word, punct = _PLAIN_WORD.match(tokens[i]).groups()
            j = rng.randint(1, len(word) - 3)  # keep the first and last letters
            if kind == "swap":
                word = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
            else:
                word = word[:j] + word[j + 1 :]
            tokens[i] = word + punct
    else:
        for i in plain:
            word, punct = _PLAIN_WORD.match(tokens[i]).groups()
            if "lower" in kind:
                word = word.lower()
            if "nopunct" in kind:
                punct = ""
            tokens[i] = word + punct
    return " ".join(tokens)


def fill(template: str, order_ref: str | None = None, amount: str | None = None) -> str:
    """Fill the {order} and {amount} slots; a template may use either, both or neither."""
    return template.replace("{order}", order_ref or "").replace("{amount}", amount or "")


def join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_URL = re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|example)(?:/[^\s,;:)]*[^\s,;:).])?", re.I)


def check_assistant_facts(text: str, resolution: str, user_text: str, where: str) -> None:
    """Every number, e-mail and URL in an agent message comes from the canonical resolution (a
    fixed company fact) or from what the customer has written so far; nothing is invented."""
    allowed_numbers = set(_NUMBER.findall(resolution)) | set(_NUMBER.findall(user_text))
    for num in _NUMBER.findall(text):
        if num not in allowed_numbers:
            raise AssertionError(f"{where}: invented number {num!r} in {text!r}")
    for email in _EMAIL.findall(text):
        raise AssertionError(f"{where}: e-mail {email!r} in an agent message")
    for url in _URL.findall(text):
        if url not in resolution:
            raise AssertionError(f"{where}: URL {url!r} not in the resolution")


def random_time(rng: random.Random, start: datetime, end: datetime) -> str:
    minutes = int((end - start).total_seconds() // 60)
    t = start + timedelta(minutes=rng.randint(0, minutes))
    # Support chats cluster in waking hours: pull night-time timestamps into 07:00-22:59.
    if t.hour < 7:
        t = t.replace(hour=t.hour + 7 + rng.randint(0, 9))
    return t.strftime("%Y-%m-%dT%H:%M:00Z")


def era_range(era: str) -> tuple[datetime, datetime]:
    return (BASE_START, BASE_END) if era == "base" else (RECENT_START, RECENT_END)


def render_problem(
    rng: random.Random, intent: dict, templates: list[str], want_order: bool, want_amount: bool
) -> tuple[str, str | None, str | None]:
    """Pick a template and fill its slots. Returns (text, order number or None, amount or None).
    A template with {order} or {amount} is only used when that identifier is wanted; otherwise the
    identifier is appended as its own sentence."""
    usable = [
        t for t in templates if ("{order}" not in t or want_order) and ("{amount}" not in t or want_amount)
    ]
    template = rng.choice(usable)
    n = make_order_number(rng) if want_order else None
    ref = rng.choice(ORDER_FORMS).format(n=n) if n else None
    amount = make_amount(rng) if want_amount else None
    text = fill(template, ref, amount)
    extra = []
    if amount and "{amount}" not in template:
        extra.append(rng.choice(AMOUNT_SENTENCES).format(amount=amount))
    if n and "{order}" not in template:
        extra.append(rng.choice(ORDER_SENTENCES).format(n=n))
    rng.shuffle(extra)
    return join(text, *extra), n, amount


def wrap_customer(rng: random.Random, text: str) -> str:
    """Optional greeting, closing ask and sign-off around a problem statement."""
    parts = []
    if rng.random() < 0.55:
        greeting = rng.choice(GREETINGS)
        parts.append(greeting)
        # "Hi, where is ..." reads more naturally than "Hi, Where is ...".
        if greeting.endswith(",") and text.split(" ")[0] not in KEEP_CAPITALISED:
            text = text[0].lower() + text[1:]
    parts.append(text)
    if rng.random() < 0.45:
        parts.append(rng.choice(ASKS))
    if rng.random() < 0.2:
        parts.append(rng.choice(SIGNOFFS))
    return join(*parts)


def add_pii(rng: random.Random, text: str, category: str, pii: list[str]) -> tuple[str, str]:
    kind = pick_pii_kind(rng, category)
    value = PII_MAKERS[kind](rng)
    pii.append(value)
    return join(text, rng.choice(PII_SENTENCES[kind]).format(v=value)), kind


def build_conversation(rng: random.Random, intent: dict) -> dict:
    messages: list[dict] = []
    pii: list[str] = []
    order_ids: list[str] = []
    user_so_far: list[str] = []

    def user(text: str) -> str:
        """Apply noise and PII to a user turn; returns the PII kind added, if any."""
        kind = ""
        if rng.random() < TYPO_RATE:
            text = add_typos(text, rng)
        if rng.random() < PII_RATE:
            text, kind = add_pii(rng, text, intent["category"], pii)
        messages.append({"role": "user", "content": text})
        user_so_far.append(text)
        return kind

    def agent(text: str, pii_kind: str) -> None:
        if pii_kind in ("card", "iban"):
            text = join(rng.choice(AGENT_PII_WARNINGS), text)
        check_assistant_facts(text, intent["resolution"], " ".join(user_so_far), intent["intent"])
        messages.append({"role": "assistant", "content": text})

    is_order = intent.get("order", False)
    want_order = is_order and rng.random() < ORDER_RATE
    want_amount = intent.get("amount", False) and rng.random() < AMOUNT_RATE
    problem, n, amount = render_problem(rng, intent, intent["user"], want_order, want_amount)
    if n:
        order_ids.append(n)
    pii_kind = user(wrap_customer(rng, problem))

    # Plan the follow-ups first so the first answer can invite an order number when one follows.
    n_exchanges = weighted(rng, {"1": 0.55, "2": 0.33, "3": 0.12})
    plan: list[str] = []
    for k in range(int(n_exchanges) - 1):
        last = k == int(n_exchanges) - 2
        if k == 0 and is_order and not n and rng.random() < 0.6:
            plan.append("give_order")
            continue
        options = {"how_long": 0.3, "didnt_work": 0.3, "human": 0.08, "thanks": 0.32 if last else 0.0}
        options = {key: w for key, w in options.items() if key not in plan}
        plan.append(weighted(rng, options))

    first = [rng.choice(AGENT_OPENERS) if not n else rng.choice(AGENT_ORDER_ACKS).format(n=n)]
    if amount and rng.random() < 0.5:
        first.append(rng.choice(AGENT_AMOUNT_ACKS).format(amount=amount))
    first.append(rng.choice(intent["answers"]))
    if plan[:1] == ["give_order"]:
        first.append(rng.choice(AGENT_ASK_ORDER))
    else:
        first.append(rng.choice(AGENT_CLOSERS))
    agent(join(*first), pii_kind)

    for step in plan:
        if step == "give_order":
            n = make_order_number(rng)
            order_ids.append(n)
            pii_kind = user(rng.choice(FOLLOWUPS["give_order"]).format(n=n))
            agent(rng.choice(FOLLOWUP_REPLIES["give_order"]).format(n=n), pii_kind)
        elif step in ("how_long", "didnt_work"):
            pii_kind = user(rng.choice(FOLLOWUPS[step]))
            reply = intent["eta"] if step == "how_long" else intent["escalate"]
            agent(rng.choice(reply), pii_kind)
        else:
            pii_kind = user(rng.choice(FOLLOWUPS[step]))
            agent(rng.choice(FOLLOWUP_REPLIES[step]), pii_kind)

    return {
        "intent": intent["intent"],
        "era": intent["era"],
        "messages": messages,
        "pii": pii,
        "order_ids": order_ids,
    }


def build_conversations(rng: random.Random) -> list[dict]:
    rows = []
    for era in ("base", "recent"):
        intents = [i for i in INTENTS if i["era"] == era]
        per, extra = divmod(N_CONV[era], len(intents))
        for k, intent in enumerate(intents):
            for _ in range(per + (1 if k < extra else 0)):
                row = build_conversation(rng, intent)
                row["created"] = random_time(rng, *era_range(era))
                rows.append(row)
    # Ids follow time order; the stable sort keeps generation order for equal timestamps.
    rows.sort(key=lambda r: r["created"])
    out = []
    for i, row in enumerate(rows, start=1):
        out.append(
            {
                "id": f"conv-{i:06d}",
                "intent": row["intent"],
                "era": row["era"],
                "created": row["created"],
                "messages": row["messages"],
                "pii": row["pii"],
                "order_ids": row["order_ids"],
            }
        )
    return out


def build_tickets(rng: random.Random) -> list[dict]:
    rows = []
    seen: set[str] = set()
    for intent in INTENTS:
        # Walk the question templates in a shuffled cycle so every phrasing is used before any
        # repeats: the tickets then cover the intent's whole range of wordings.
        cores = list(intent["ticket_q"])
        rng.shuffle(cores)
        for k in range(N_TICKETS[intent["era"]]):
            core_template = cores[k % len(cores)]
            for _attempt in range(50):  # each ticket gets its own wording of the question
                want_order = "{order}" in core_template or (intent.get("order", False) and rng.random() < 0.4)
                want_amount = "{amount}" in core_template or (
                    intent.get("amount", False) and rng.random() < 0.3
                )
                core, n, _amount = render_problem(rng, intent, [core_template], want_order, want_amount)
                detail = rng.choice(intent["ticket_details"]) if rng.random() < 0.3 else ""
                opener = rng.choice(TICKET_OPENERS) if rng.random() < 0.35 else ""
                closer = rng.choice(TICKET_CLOSERS) if rng.random() < 0.35 else ""
                question = join(opener, core, detail, closer)
                key = re.sub(r"\d", "0", question)  # identical apart from numbers is not "its own phrasing"
                if key not in seen:
                    seen.add(key)
                    break
            pii: list[str] = []
            if rng.random() < TICKET_PII_RATE:
                question, _ = add_pii(rng, question, intent["category"], pii)
            resolution = rng.choice(intent["ticket_res"])
            if n:
                resolution = f"Order #{n}. {resolution}"
            rows.append(
                {
                    "subject": rng.choice(intent["subjects"]),
                    "question": question,
                    "resolution": resolution,
                    "category": intent["category"],
                    "intent": intent["intent"],
                    "created": random_time(rng, *era_range(intent["era"])),
                    "pii": pii,
                    "order_ids": [n] if n else [],
                }
            )
    rows.sort(key=lambda r: r["created"])
    out = []
    for i, row in enumerate(rows, start=10001):
        out.append({"id": f"T-{i}", **row})
    return out


def build_eval_queries(tickets: list[dict]) -> list[dict]:
    rows = []
    for intent in INTENTS:
        ids = [t["id"] for t in tickets if t["intent"] == intent["intent"]]
        for q in intent["queries"]:
            rows.append({"query": q, "intent": intent["intent"], "relevant_ticket_ids": ids})
    return rows


def build_eval_questions(rng: random.Random, conversation_turns: set[str]) -> list[dict]:
    """Ten held-out first turns per intent (from the ``eval`` templates, which no conversation
    uses), plus questions that quote an order number whose reference repeats it."""
    rows = []
    for intent in INTENTS:
        made: set[str] = set()
        k = 0
        while len(made) < 10:
            template = intent["eval"][k % len(intent["eval"])]
            k += 1
            amount = make_amount(rng) if "{amount}" in template else None
            question = (
                wrap_customer(rng, fill(template, amount=amount))
                if k > len(intent["eval"])
                else fill(template, amount=amount)
            )
            if question in made or question in conversation_turns:
                continue
            made.add(question)
            rows.append(
                {
                    "question": question,
                    "intent": intent["intent"],
                    "era": intent["era"],
                    "reference": intent["resolution"],
                    "order_ids": [],
                }
            )
    order_intents = [i for i in INTENTS if i.get("order")]
    for k in range(40):
        intent = order_intents[k % len(order_intents)]
        template = rng.choice([t for t in intent["eval"] if "{amount}" not in t])
        n = make_order_number(rng)
        question = join(template, rng.choice(ORDER_SENTENCES).format(n=n))
        rows.append(
            {
                "question": question,
                "intent": intent["intent"],
                "era": intent["era"],
                "reference": f"I've checked order #{n}. {intent['resolution']}",
                "order_ids": [n],
            }
        )
    return rows


def intents_table() -> list[dict]:
    return [
        {
            "intent": i["intent"],
            "category": i["category"],
            "era": i["era"],
            "title": i["title"],
            "keyphrases": i["keyphrases"],
            "resolution": i["resolution"],
        }
        for i in INTENTS
    ]


README = """\
# Brindle Home sample support history

Synthetic, fictional data for supportbot: the support history of Brindle Home, an online retailer of
smart-home devices and kitchen appliances. Every name, order number, e-mail address, phone number,
card number and IBAN in it is made up (cards pass the Luhn check and IBANs the mod-97 check so that
redaction has something realistic to catch).

Regenerate (deterministic, byte-identical for the same seed):

    python data/generate.py            # writes data/sample/, seed 7
    python data/generate.py --out DIR --seed 7

| file | contents |
| --- | --- |
| `intents.json` | {n_intents} intents: `intent`, `category`, `era` (`base` or `recent`), `title`, `keyphrases` (exact strings every correct answer contains), `resolution` (canonical procedure) |
| `conversations.jsonl` | {n_conv} multi-turn chats ({n_conv_base} base era 2024-01-01..2025-08-31, {n_conv_recent} recent era 2025-09-01..2025-12-31), ids in time order; `messages` alternate user/assistant (no system message); `pii` lists the exact PII strings in the chat, `order_ids` the 7-digit order numbers |
| `tickets.jsonl` | {n_tickets} solved helpdesk tickets: `subject`, `question`, `resolution` (agent's summary, contains the keyphrases), `category`, `intent`, `created`, `pii`, `order_ids` |
| `eval_queries.jsonl` | {n_queries} held-out retrieval queries (10 per intent), worded differently from the tickets; `relevant_ticket_ids` = every ticket of that intent |
| `eval_questions.jsonl` | {n_questions} held-out first-turn questions for the chat model (10 per intent plus 40 quoting an order number, whose `reference` repeats it); never used in any conversation |

Eras: `recent` intents (the Brindle Aura air purifier launch, the Trade-In programme, and the return
window extended from 30 to 60 days) occur only in conversations and tickets dated from 2025-09-01 on.
A model trained on base-era data alone will answer "30 days" where the right answer is now "60 days".

Rules the generator enforces: an assistant message never contains a number, amount, e-mail or URL
that is not in the intent's canonical resolution or in the customer's own earlier turns; assistant
messages never repeat a card number, phone number or IBAN; every first assistant answer and every
ticket resolution contains all keyphrases of its intent.
"""


def dump_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")


def validate(
    intents: list[dict],
    conversations: list[dict],
    tickets: list[dict],
    queries: list[dict],
    questions: list[dict],
) -> None:
    """Cheap structural checks, run on every generation so a broken template fails loudly."""
    names = [i["intent"] for i in intents]
    assert len(set(names)) == len(names)
    by_name = {i["intent"]: i for i in intents}
    for c in conversations:
        kp = by_name[c["intent"]]["keyphrases"]
        first_answer = c["messages"][1]["content"]
        missing = [p for p in kp if p not in first_answer]
        assert not missing, (c["id"], missing)
        text = "\n".join(m["content"] for m in c["messages"])
        for value in c["pii"] + c["order_ids"]:
            assert value in text, (c["id"], value)
        for m in c["messages"]:
            if m["role"] == "assistant":
                for value in c["pii"]:
                    assert value not in m["content"], (c["id"], value)
    for t in tickets:
        missing = [p for p in by_name[t["intent"]]["keyphrases"] if p not in t["resolution"]]
        assert not missing, (t["id"], missing)
        for value in t["pii"]:
            assert value in t["question"], (t["id"], value)
    haystack = "\n".join(
        [t["question"].lower() for t in tickets]
        + [m["content"].lower() for c in conversations for m in c["messages"] if m["role"] == "user"]
    )
    for q in queries:
        assert q["query"].lower() not in haystack, q["query"]
    assert len({q["query"] for q in queries}) == len(queries)
    assert len({q["question"] for q in questions}) == len(questions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "sample"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    intents = intents_table()
    conversations = build_conversations(rng)
    tickets = build_tickets(rng)
    queries = build_eval_queries(tickets)
    user_turns = {m["content"] for c in conversations for m in c["messages"] if m["role"] == "user"}
    questions = build_eval_questions(rng, user_turns)
    validate(intents, conversations, tickets, queries, questions)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "intents.json").write_text(
        json.dumps(intents, ensure_ascii=False, sort_keys=True, indent=2) + "\n",
        encoding="utf-8",
        newline="\n",
    )
    dump_jsonl(out / "conversations.jsonl", conversations)
    dump_jsonl(out / "tickets.jsonl", tickets)
    dump_jsonl(out / "eval_queries.jsonl", queries)
    dump_jsonl(out / "eval_questions.jsonl", questions)
    n_base = sum(1 for c in conversations if c["era"] == "base")
    (out / "README.md").write_text(
        README.format(
            n_intents=len(intents),
            n_conv=len(conversations),
            n_conv_base=n_base,
            n_conv_recent=len(conversations) - n_base,
            n_tickets=len(tickets),
            n_queries=len(queries),
            n_questions=len(questions),
        ),
        encoding="utf-8",
        newline="\n",
    )
    print(
        f"wrote {out}: {len(intents)} intents, {len(conversations)} conversations, {len(tickets)} tickets, "
        f"{len(queries)} eval queries, {len(questions)} eval questions"
    )


if __name__ == "__main__":
    main()
